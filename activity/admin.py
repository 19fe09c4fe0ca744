"""The audit log in the admin: read-only, because an audit trail that can be edited proves nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from activity.models import ActivityLog


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin[ActivityLog]):
    list_display = ["created_at", "scope", "item_id", "activity", "user", "team_id"]
    list_filter = ["scope", "activity"]
    search_fields = ["item_id", "user__email"]
    list_select_related = ["user"]
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
