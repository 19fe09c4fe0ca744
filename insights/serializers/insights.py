"""Insight shapes: basic (lists, my_last_viewed), full (CRUD) and trending.

Serializers only read prefetched attributes (``live_tiles``, ``tag_items``, the annotated
``last_viewed_at``/``search_match_type``) so a page costs a constant number of queries. Writes go
through ``insights.services``; the view calls them with ``validated_data``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from insights.models import Dashboard
from insights.models import Insight
from insights.queries.legacy_filters import filters_to_query
from insights.serializers.fields import QueryField
from insights.serializers.fields import TagsField
from posthog_api.api.model_serializer import ModelSerializer
from posthog_api.api.serializers import UserBasicSerializer
from posthog_api.json_values import check_storable

# PostHog's access-control constants: everyone in the project can edit / this user can edit.
RESTRICTION_EVERYONE_EDITS = 21
PRIVILEGE_CAN_EDIT = 37


def Computed(field_class: type[serializers.Field]) -> type[serializers.Field]:  # type: ignore[type-arg]
    """A read-only, nullable field the row does not have: it reads as None until computed."""

    class ComputedField(field_class):  # type: ignore[valid-type, misc]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(read_only=True, allow_null=True, **kwargs)

        def get_attribute(self, instance: Any) -> Any:
            return None

    ComputedField.__name__ = f"Computed{field_class.__name__}"
    return ComputedField


class DashboardTileBasicSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    dashboard_id = serializers.IntegerField()
    deleted = serializers.BooleanField()


def _live_tiles(insight: Insight) -> list[Any]:
    tiles = getattr(insight, "live_tiles", None)
    if tiles is None:
        tiles = list(insight.dashboard_tiles.all().order_by("id"))
    return list(tiles)


@extend_schema_field(OpenApiTypes.INT)
class ProjectDashboardsField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """Dashboard ids of the URL team's project (other ids are "Invalid pk")."""

    def get_queryset(self) -> Any:
        team = self.context["team"]
        return Dashboard.objects.filter(team__project_id=team.project_id)


class InsightBasicSerializer(ModelSerializer[Insight]):
    filters = serializers.JSONField(required=False)
    query = QueryField(required=False, allow_null=True)
    dashboards = serializers.SerializerMethodField()
    dashboard_tiles = serializers.SerializerMethodField()
    tags = TagsField(required=False)
    created_by = UserBasicSerializer(read_only=True)
    user_access_level = serializers.SerializerMethodField()
    last_viewed_at = serializers.SerializerMethodField()
    search_match_type = serializers.SerializerMethodField()

    class Meta:
        model = Insight
        fields = [
            "id",
            "short_id",
            "name",
            "derived_name",
            "filters",
            "query",
            "dashboards",
            "dashboard_tiles",
            "description",
            "last_refresh",
            "refreshing",
            "saved",
            "tags",
            "updated_at",
            "created_by",
            "created_at",
            "last_modified_at",
            "favorited",
            "user_access_level",
            "last_viewed_at",
            "search_match_type",
        ]
        read_only_fields = [
            "id",
            "short_id",
            "last_refresh",
            "refreshing",
            "updated_at",
            "created_by",
            "created_at",
            "last_modified_at",
        ]

    def validate_filters(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Filters must be a JSON object.")
        check_storable(value)
        return value

    def get_dashboards(self, insight: Insight) -> list[int]:
        return [tile.dashboard_id for tile in _live_tiles(insight)]

    def get_dashboard_tiles(self, insight: Insight) -> list[dict[str, Any]]:
        return DashboardTileBasicSerializer(_live_tiles(insight), many=True).data  # type: ignore[return-value]

    def get_user_access_level(self, insight: Insight) -> str | None:
        user = self.context.get("request") and self.context["request"].user
        if user is None:
            return None
        if self.context.get("is_admin") or insight.created_by_id == user.id:
            return "manager"
        return "editor"

    def get_last_viewed_at(self, insight: Insight) -> Any:
        value = getattr(insight, "last_viewed_at", None)
        return serializers.DateTimeField().to_representation(value) if value else None

    def get_search_match_type(self, insight: Insight) -> str | None:
        return getattr(insight, "search_match_type", None)

    def to_representation(self, instance: Insight) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.query:
            data["filters"] = {}
        elif (converted := filters_to_query(instance.filters)) is not None:
            # PostHog's query_from_filters: a convertible legacy insight is shown as its query.
            data["query"] = converted
            data["filters"] = {}
        elif data.get("filters") and "insight" not in data["filters"]:
            data["filters"] = {**data["filters"], "insight": "TRENDS"}
        return data


class InsightSerializer(InsightBasicSerializer):
    """The full insight; result fields come from ``insights.results.insight_result_fields``."""

    # (The docstring above is the published OpenAPI description, kept word for word.) The result
    # fields are computed by the view (``insights.services.results``) and handed over in the
    # context as ``results`` (insight id -> fields): serializing runs no query, writes no cache
    # and enqueues nothing.

    dashboards = ProjectDashboardsField(many=True, required=False)  # type: ignore[assignment]
    last_modified_by = UserBasicSerializer(read_only=True)
    effective_restriction_level = serializers.SerializerMethodField()
    effective_privilege_level = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField()
    _create_in_folder = serializers.CharField(
        source="create_in_folder", write_only=True, required=False, allow_blank=True, max_length=400
    )
    # Result fields: computed per request by the view, never stored on the row.
    result = Computed(serializers.JSONField)()
    hasMore = Computed(serializers.BooleanField)()
    columns = Computed(serializers.JSONField)()
    types = Computed(serializers.JSONField)()
    hogql = Computed(serializers.CharField)()
    cache_target_age = Computed(serializers.DateTimeField)()
    next_allowed_client_refresh = Computed(serializers.DateTimeField)()
    is_cached = Computed(serializers.BooleanField)()
    query_status = Computed(serializers.JSONField)()
    resolved_date_range = Computed(serializers.JSONField)()
    timezone = Computed(serializers.CharField)()
    filters_hash = Computed(serializers.CharField)()

    class Meta(InsightBasicSerializer.Meta):
        fields = [
            *InsightBasicSerializer.Meta.fields,
            "order",
            "deleted",
            "last_modified_by",
            "is_sample",
            "effective_restriction_level",
            "effective_privilege_level",
            "alerts",
            "_create_in_folder",
            "result",
            "hasMore",
            "columns",
            "types",
            "hogql",
            "cache_target_age",
            "next_allowed_client_refresh",
            "is_cached",
            "query_status",
            "resolved_date_range",
            "timezone",
            "filters_hash",
        ]
        read_only_fields = [
            *InsightBasicSerializer.Meta.read_only_fields,
            "last_modified_by",
            "is_sample",
        ]
        extra_kwargs = {
            "name": {"allow_null": True, "allow_blank": True},
            "derived_name": {"allow_null": True, "allow_blank": True},
            "description": {"allow_null": True, "allow_blank": True},
        }

    def get_effective_restriction_level(self, insight: Insight) -> int:
        return RESTRICTION_EVERYONE_EDITS

    def get_effective_privilege_level(self, insight: Insight) -> int:
        return PRIVILEGE_CAN_EDIT

    def get_alerts(self, insight: Insight) -> list[Any]:
        return []

    def to_representation(self, instance: Insight) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["dashboards"] = [tile.dashboard_id for tile in _live_tiles(instance)]
        context = self.context
        data.update(context.get("results", {}).get(instance.pk, {}))
        tile = context.get("dashboard_tile")
        if tile is not None and tile.insight_id == instance.id:
            data["color"] = tile.color
            data["layouts"] = tile.layouts
        return data


class TrendingInsightSerializer(InsightBasicSerializer):
    view_count = serializers.IntegerField(read_only=True)
    viewers = serializers.SerializerMethodField()
    last_modified_by = UserBasicSerializer(read_only=True)

    class Meta(InsightBasicSerializer.Meta):
        fields = [*InsightBasicSerializer.Meta.fields, "view_count", "viewers", "last_modified_by"]
        read_only_fields = fields

    def get_viewers(self, insight: Insight) -> list[dict[str, Any]]:
        return UserBasicSerializer(getattr(insight, "viewers", []), many=True).data  # type: ignore[return-value]
