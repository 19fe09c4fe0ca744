"""The activity log entry as PostHog renders it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from activity.models import ActivityLog
from posthog_api.api.model_serializer import ModelSerializer

DETAIL_KEYS = ("changes", "merge", "trigger", "name", "short_id", "type", "context")


class ActivityUserSerializer(serializers.Serializer[Any]):
    first_name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)


class ActivityLogSerializer(ModelSerializer[ActivityLog]):
    user = serializers.SerializerMethodField()
    detail = serializers.SerializerMethodField()

    class Meta:
        model = ActivityLog
        fields = ["id", "user", "activity", "scope", "item_id", "detail", "created_at"]
        read_only_fields = fields

    def get_user(self, entry: ActivityLog) -> dict[str, Any]:
        if entry.user is None:
            return {"first_name": "System", "email": None, "is_system": True}
        return {"first_name": entry.user.first_name, "email": entry.user.email}

    def get_detail(self, entry: ActivityLog) -> dict[str, Any]:
        """Only the keys the stored detail has; a stored null ``changes`` stays null."""
        stored = entry.detail or {}
        return {key: stored[key] for key in DETAIL_KEYS if key in stored}
