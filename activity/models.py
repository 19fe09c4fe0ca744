"""The audit log: one row per change to a tracked object (insights, elements, ...)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class ActivityLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team_id = models.BigIntegerField(null=True, blank=True)
    organization_id = models.UUIDField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    was_impersonated = models.BooleanField(null=True, blank=True)
    # True when no user made the change (a task, a migration).
    is_system = models.BooleanField(null=True, blank=True)
    activity = models.CharField(max_length=79)
    # The tracked object's id as a string (numeric ids included), as PostHog stores it.
    item_id = models.CharField(max_length=72, null=True, blank=True)
    scope = models.CharField(max_length=79)
    detail: models.JSONField[Any] = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team_id__isnull=False) | models.Q(organization_id__isnull=False),
                name="activity_log_has_team_or_org",
            )
        ]
        indexes = [
            models.Index(
                fields=["team_id", "scope", "item_id", "-created_at"], name="activity_item"
            ),
            models.Index(fields=["team_id", "-created_at"], name="activity_team_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.item_id} {self.activity}"
