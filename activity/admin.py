"""The audit log in the admin: read-only, because an audit trail that can be edited proves nothing."""

from __future__ import annotations

from django.contrib import admin

from activity.models import ActivityLog
from posthog_api.admin_mixins import ReadOnlyAdminMixin


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ActivityLog]):
    list_display = ["created_at", "scope", "item_id", "activity", "user", "team_id"]
    list_filter = ["scope", "activity"]
    search_fields = ["item_id", "user__email"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
