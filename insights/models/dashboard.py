"""Dashboards and the tiles that put insights on them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class DashboardManager(models.Manager["Dashboard"]):
    def get_queryset(self) -> models.QuerySet[Dashboard]:
        return super().get_queryset().filter(deleted=False)


class Dashboard(models.Model):
    class CreationMode(models.TextChoices):
        DEFAULT = "default"
        TEMPLATE = "template"
        DUPLICATE = "duplicate"
        UNLISTED = "unlisted"

    team = models.ForeignKey(
        "posthog_api.Team", on_delete=models.CASCADE, related_name="dashboards"
    )
    name = models.CharField(max_length=400, null=True, blank=True)
    description = models.TextField(blank=True, default="")
    pinned = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    creation_mode = models.CharField(
        max_length=16, choices=CreationMode.choices, default=CreationMode.DEFAULT
    )
    filters: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    variables: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_modified_at = models.DateTimeField(default=timezone.now)

    objects = DashboardManager()
    objects_including_soft_deleted = models.Manager()  # noqa: DJ012 - a manager, not a field

    class Meta:
        base_manager_name = "objects_including_soft_deleted"

    def __str__(self) -> str:
        return self.name or f"Dashboard {self.pk}"


class DashboardTileManager(models.Manager["DashboardTile"]):
    """Live tiles: neither the tile nor its dashboard is soft-deleted."""

    def get_queryset(self) -> models.QuerySet[DashboardTile]:
        return super().get_queryset().filter(deleted=False, dashboard__deleted=False)


class DashboardTile(models.Model):
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    insight = models.ForeignKey(
        "insights.Insight", on_delete=models.CASCADE, related_name="dashboard_tiles"
    )
    layouts: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    color = models.CharField(max_length=400, null=True, blank=True)
    filters_overrides: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    deleted = models.BooleanField(default=False)
    last_refresh = models.DateTimeField(null=True, blank=True)

    objects = DashboardTileManager()
    objects_including_soft_deleted = models.Manager()  # noqa: DJ012 - a manager, not a field

    class Meta:
        base_manager_name = "objects_including_soft_deleted"
        constraints = [
            models.UniqueConstraint(
                fields=["dashboard", "insight"], name="unique_dashboard_insight_tile"
            )
        ]

    def __str__(self) -> str:
        return f"{self.insight_id} on {self.dashboard_id}"
