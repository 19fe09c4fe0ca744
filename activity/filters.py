"""Filters of the project-wide ``activity_log/`` list."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from activity.models import ActivityLog
from posthog_api.filters import StorableFilterSet


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 datetime in UTC: PostgreSQL refuses the offsets past 15:59 that Python allows."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a valid date/time.", code="invalid") from None


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class ActivityLogFilterSet(StorableFilterSet):
    scope = django_filters.CharFilter(field_name="scope")
    item_id = django_filters.CharFilter(field_name="item_id")
    user = django_filters.UUIDFilter(field_name="user__uuid", help_text="The acting user's uuid.")
    date_from = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="gt")
    date_to = UTCIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ActivityLog
        fields: list[Any] = []
