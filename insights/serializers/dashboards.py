"""The minimal dashboard shape: enough for clients to create the dashboards insights sit on."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from insights.models import Dashboard
from insights.serializers.fields import TagsField
from posthog_api.api.model_serializer import ModelSerializer
from posthog_api.api.serializers import UserBasicSerializer
from posthog_api.json_values import check_storable


class DashboardSerializer(ModelSerializer[Dashboard]):
    created_by = UserBasicSerializer(read_only=True)
    tags = TagsField(required=False)
    filters = serializers.DictField(required=False)
    variables = serializers.DictField(required=False)

    class Meta:
        model = Dashboard
        fields = [
            "id",
            "name",
            "description",
            "pinned",
            "created_at",
            "created_by",
            "last_modified_at",
            "deleted",
            "creation_mode",
            "filters",
            "variables",
            "tags",
        ]
        read_only_fields = ["id", "created_at", "created_by", "last_modified_at"]
        extra_kwargs = {"description": {"allow_blank": True}}

    def validate_filters(self, value: dict[str, Any]) -> dict[str, Any]:
        check_storable(value)
        return value

    def validate_variables(self, value: dict[str, Any]) -> dict[str, Any]:
        check_storable(value)
        return value
