"""Request body of the query endpoint (``insights.views.query``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from insights.queries.schema import validate_query


class QueryRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    query = serializers.JSONField()
    refresh = serializers.JSONField(required=False, allow_null=True)
    client_query_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=200
    )
    filters_override = serializers.JSONField(required=False, allow_null=True)
    variables_override = serializers.JSONField(required=False, allow_null=True)

    def validate_query(self, value: Any) -> dict[str, Any]:
        # validate_query nests its detail under "query" already; unwrap so attr is not doubled.
        try:
            return validate_query(value)
        except serializers.ValidationError as exc:
            detail = exc.detail
            raise serializers.ValidationError(
                detail["query"] if isinstance(detail, dict) and "query" in detail else detail
            ) from None

    def validate_refresh(self, value: Any) -> Any:
        if value is not None and not isinstance(value, bool | str):
            raise serializers.ValidationError("Must be a refresh mode name or a boolean.")
        return value
