"""Bodies of the insight helper actions: viewed, cancel and generate_metadata."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from insights.queries.schema import validate_query

MAX_VIEWED_IDS = 2500
MISSING_QUERY = "Missing 'query' field in request body"


class ViewedSerializer(serializers.Serializer[Any]):
    # Items are checked in validate_insight_ids so that every error names "insight_ids" itself.
    insight_ids = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=MAX_VIEWED_IDS
    )

    def validate_insight_ids(self, value: list[Any]) -> list[int]:
        field = serializers.IntegerField()
        try:
            return [field.to_internal_value(item) for item in value]
        except serializers.ValidationError:
            raise serializers.ValidationError("Every id must be an integer.") from None


class CancelSerializer(serializers.Serializer[Any]):
    client_query_id = serializers.CharField(
        max_length=200, error_messages={"required": "Field is required."}
    )


class GenerateMetadataSerializer(serializers.Serializer[Any]):
    query = serializers.JSONField(error_messages={"required": MISSING_QUERY, "null": MISSING_QUERY})

    def validate_query(self, value: Any) -> dict[str, Any]:
        if not value:
            raise serializers.ValidationError(MISSING_QUERY)
        try:
            return validate_query(value)
        except serializers.ValidationError as exc:
            detail = (
                exc.detail.get("query", exc.detail) if isinstance(exc.detail, dict) else exc.detail
            )
            raise serializers.ValidationError(detail) from None


class InsightMetadataSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    description = serializers.CharField()
