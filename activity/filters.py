"""Filters of the project-wide ``activity_log/`` list."""

from __future__ import annotations

from typing import Any

import django_filters

from activity.models import ActivityLog


class ActivityLogFilterSet(django_filters.FilterSet):
    scope = django_filters.CharFilter(field_name="scope")
    item_id = django_filters.CharFilter(field_name="item_id")
    user = django_filters.UUIDFilter(field_name="user__uuid", help_text="The acting user's uuid.")
    date_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gt")
    date_to = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ActivityLog
        fields: list[Any] = []
