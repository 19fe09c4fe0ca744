"""Insight: a saved query (PostHog's ``posthog_dashboarditem``), visible project-wide."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from posthog_api.models.base import random_token

SHORT_ID_LENGTH = 8


def generate_short_id() -> str:
    return random_token(SHORT_ID_LENGTH)


class InsightManager(models.Manager["Insight"]):
    """The default manager hides soft-deleted insights; only restore looks past it."""

    def get_queryset(self) -> models.QuerySet[Insight]:
        return super().get_queryset().filter(deleted=False)


class Insight(models.Model):
    team = models.ForeignKey("posthog_api.Team", on_delete=models.CASCADE, related_name="insights")
    name = models.CharField(max_length=400, null=True, blank=True)
    derived_name = models.CharField(max_length=400, null=True, blank=True)
    description = models.CharField(max_length=400, null=True, blank=True)
    filters: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    query: models.JSONField[Any] = models.JSONField(null=True, blank=True)
    # Recomputed from ``query`` on every save that changes it; drives the ``events`` list filter.
    query_metadata: models.JSONField[Any] = models.JSONField(null=True, blank=True)
    order = models.IntegerField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    saved = models.BooleanField(default=True)
    favorited = models.BooleanField(default=False)
    is_sample = models.BooleanField(default=False)
    refreshing = models.BooleanField(default=False)
    short_id = models.CharField(max_length=12, default=generate_short_id, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_modified_at = models.DateTimeField(default=timezone.now)
    last_modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    last_refresh = models.DateTimeField(null=True, blank=True)
    # The folder the client asked to file the insight in; stored, not interpreted here.
    create_in_folder = models.CharField(max_length=400, null=True, blank=True)

    objects = InsightManager()
    objects_including_soft_deleted = models.Manager()  # noqa: DJ012 - a manager, not a field

    class Meta:
        base_manager_name = "objects_including_soft_deleted"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "short_id"], name="unique_insight_team_short_id"
            )
        ]
        indexes = [
            models.Index(fields=["team", "order"], name="insight_team_order"),
            models.Index(fields=["team", "-last_modified_at"], name="insight_team_modified"),
        ]

    def __str__(self) -> str:
        return self.name or self.derived_name or self.short_id
