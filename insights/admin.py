"""Admin for insights, dashboards, tags and views."""

from __future__ import annotations

from django.contrib import admin

from insights.models import Dashboard
from insights.models import DashboardTile
from insights.models import Insight
from insights.models import InsightViewed
from insights.models import Tag
from insights.models import TaggedItem


class DashboardTileInline(admin.TabularInline[DashboardTile, Dashboard]):
    model = DashboardTile
    extra = 0
    fields = ["insight", "color", "deleted"]
    raw_id_fields = ["insight"]


@admin.register(Insight)
class InsightAdmin(admin.ModelAdmin[Insight]):
    list_display = ["id", "short_id", "name", "derived_name", "team", "deleted", "last_modified_at"]
    list_filter = ["deleted", "favorited", "saved"]
    search_fields = ["name", "derived_name", "description", "short_id"]
    list_select_related = ["team"]
    readonly_fields = [
        "short_id",
        "created_at",
        "created_by",
        "last_modified_at",
        "last_modified_by",
        "updated_at",
    ]
    raw_id_fields = ["team"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Soft-deleted insights stay visible (and restorable) to staff.
        return Insight.objects_including_soft_deleted.select_related("team")


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin[Dashboard]):
    list_display = ["id", "name", "team", "creation_mode", "deleted", "created_at"]
    list_filter = ["deleted", "creation_mode"]
    search_fields = ["name"]
    raw_id_fields = ["team", "created_by"]
    inlines = [DashboardTileInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return Dashboard.objects_including_soft_deleted.select_related("team")


class TaggedItemInline(admin.TabularInline[TaggedItem, Tag]):
    model = TaggedItem
    extra = 0
    raw_id_fields = ["insight", "dashboard"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ["name", "project"]
    search_fields = ["name"]
    inlines = [TaggedItemInline]


@admin.register(InsightViewed)
class InsightViewedAdmin(admin.ModelAdmin[InsightViewed]):
    list_display = ["insight", "user", "team", "last_viewed_at"]
    raw_id_fields = ["insight", "user", "team"]
    list_select_related = ["insight", "user", "team"]
