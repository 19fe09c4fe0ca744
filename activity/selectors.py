"""Reads of the audit log. Rows are per environment: always filtered by the URL team."""

from __future__ import annotations

from django.db.models import QuerySet

from activity.models import ActivityLog


def activity_list(
    *, team_id: int, scope: str | None = None, item_id: str | None = None
) -> QuerySet[ActivityLog]:
    """Newest first, with the user joined so serializing a page is one query."""
    queryset = ActivityLog.objects.filter(team_id=team_id).select_related("user")
    if scope is not None:
        queryset = queryset.filter(scope=scope)
    if item_id is not None:
        queryset = queryset.filter(item_id=item_id)
    return queryset.order_by("-created_at", "-id")
