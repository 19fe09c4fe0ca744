"""Fields shared by the insight and dashboard serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from insights.queries.schema import validate_query


class TagsField(serializers.ListField):
    """Writes a list of tag names; reads the prefetched ``tag_items`` as sorted names."""

    child = serializers.CharField(max_length=255, allow_blank=True)

    def get_attribute(self, instance: Any) -> Any:
        return instance

    def to_representation(self, instance: Any) -> list[str]:
        items = getattr(instance, "tag_items", None)
        if items is None:
            items = instance.tagged_items.select_related("tag")
        return sorted(item.tag.name for item in items)


class QueryField(serializers.JSONField):
    """A query validated against the query schema; errors name the path inside it."""

    def to_internal_value(self, data: Any) -> dict[str, Any] | None:  # type: ignore[override]
        if data is None or data == {}:
            return None
        if not isinstance(data, dict):
            raise serializers.ValidationError("Query must be a valid JSON object")
        try:
            return validate_query(data)
        except serializers.ValidationError as exc:
            # validate_query nests its detail under "query"; this field adds that key itself.
            detail = (
                exc.detail.get("query", exc.detail) if isinstance(exc.detail, dict) else exc.detail
            )
            raise serializers.ValidationError(detail) from None
