"""The insights list's query parameters as a FilterSet (PostHog's semantics, §4.1 of the spec).

Differences from PostHog: malformed JSON in ``dashboards``/``tags``/``created_by``/``events``, an
unknown ``order`` field or an unparseable date is a 400 naming the parameter (PostHog: 500 or
"now").
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.db.models import Exists
from django.db.models import F
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from insights.dates import relative_date_parse
from insights.models import DashboardTile
from insights.models import Insight
from insights.models import TaggedItem
from insights.queries.schema import INSIGHT_KINDS
from insights.queries.schema import WRAPPER_KINDS
from insights.search import MAX_SEARCH_LENGTH
from insights.search import search_insights
from posthog_api.booleans import is_truthy
from posthog_api.filters import StorableFilterSet

INSIGHT_TYPES = (
    "TRENDS",
    "FUNNELS",
    "RETENTION",
    "PATHS",
    "STICKINESS",
    "LIFECYCLE",
    "SQL",
    "JSON",
)
_SOURCE_KIND = {insight_type: kind for kind, insight_type in INSIGHT_KINDS.items()}
ORDERABLE = frozenset(
    {f.name for f in Insight._meta.concrete_fields if not f.is_relation}
    | {"created_by", "last_modified_by", "last_viewed_at"}
)


class JSONListField(forms.CharField):
    """A JSON array in a query parameter, every item of ``item_type``."""

    def __init__(self, *, item_type: type, **kwargs: Any) -> None:
        self.item_type = item_type
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[Any] | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except ValueError:
            raise forms.ValidationError("Must be a JSON array, e.g. [1, 2].") from None
        if not isinstance(parsed, list):
            raise forms.ValidationError("Must be a JSON array, e.g. [1, 2].")
        if self.item_type is int:
            if not all(isinstance(i, int) and not isinstance(i, bool) for i in parsed):
                raise forms.ValidationError("Every item must be an integer.")
        elif not all(isinstance(i, str) for i in parsed):
            raise forms.ValidationError("Every item must be a string.")
        return parsed


class JSONListFilter(django_filters.Filter):
    def __init__(self, *, item_type: type, **kwargs: Any) -> None:
        self.field_class = JSONListField
        super().__init__(item_type=item_type, **kwargs)


class PresenceFilter(django_filters.CharFilter):
    """Acts when the parameter is present at all, whatever its value (even ``false``)."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if self.field_name not in self.parent.data:
            return qs
        return self.method(qs, self.field_name, value)  # type: ignore[misc]


class SearchField(forms.CharField):
    """Search text with NUL bytes dropped (PostHog strips them rather than refusing)."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace("\x00", "")


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class RelativeDateField(forms.CharField):
    """An ISO or relative (``-7d``, ``-1mStart``) date, parsed in the project's timezone (and
    its week start, for ``wStart``)."""

    def __init__(
        self, *, tz: ZoneInfo | None = None, week_start_day: int | None = None, **kwargs: Any
    ) -> None:
        self.tz = tz or ZoneInfo("UTC")
        self.week_start_day = week_start_day
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return relative_date_parse(text, self.tz, week_start_day=self.week_start_day)
        except ValueError as exc:
            # As a param: the reason quotes the input, and a "%" in it would break formatting.
            raise forms.ValidationError("%(reason)s", params={"reason": str(exc)}) from None


@extend_schema_field(OpenApiTypes.STR)
class RelativeDateFilter(django_filters.Filter):
    field_class = RelativeDateField


class InsightFilterSet(StorableFilterSet):
    short_id = django_filters.CharFilter(field_name="short_id")
    created_by = JSONListFilter(
        item_type=int, method="filter_created_by", help_text="JSON array of user ids."
    )
    user = PresenceFilter(method="filter_user", help_text="Present (any value): only my insights.")
    favorited = PresenceFilter(
        method="filter_favorited", help_text="Present (any value): favorites only."
    )
    saved = django_filters.CharFilter(
        method="filter_saved", help_text="Truthy: saved or on a listed dashboard."
    )
    insight = django_filters.CharFilter(
        method="filter_insight", help_text=f"One of {', '.join(INSIGHT_TYPES)}."
    )
    date_from = RelativeDateFilter(field_name="last_modified_at", lookup_expr="gt")
    date_to = RelativeDateFilter(field_name="last_modified_at", lookup_expr="lt")
    created_date_from = RelativeDateFilter(field_name="created_at", lookup_expr="gt")
    created_date_to = RelativeDateFilter(field_name="created_at", lookup_expr="lt")
    last_viewed_date_from = RelativeDateFilter(field_name="last_viewed_at", lookup_expr="gt")
    last_viewed_date_to = RelativeDateFilter(field_name="last_viewed_at", lookup_expr="lt")
    dashboards = JSONListFilter(
        item_type=int,
        method="filter_dashboards",
        help_text="JSON array of dashboard ids; all must match.",
    )
    tags = JSONListFilter(
        item_type=str, method="filter_tags", help_text="JSON array of tag names; any may match."
    )
    events = JSONListFilter(
        item_type=str,
        method="filter_events",
        help_text="JSON array of event names the query must use.",
    )
    search = SearchFilter(method="filter_noop", max_length=MAX_SEARCH_LENGTH)
    order = django_filters.CharFilter(
        method="filter_noop", help_text="A field to sort by, '-' for descending."
    )

    class Meta:
        model = Insight
        fields: list[str] = []

    def __init__(
        self,
        *args: Any,
        tz: ZoneInfo | None = None,
        week_start_day: int | None = None,
        user: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for flt in self.filters.values():
            if isinstance(flt, RelativeDateFilter):
                flt.extra.update(tz=tz, week_start_day=week_start_day)
        self.filters["search"].extra["error_messages"] = {
            "max_length": f"Search query must be {MAX_SEARCH_LENGTH} characters or fewer."
        }

    def filter_queryset(self, queryset: QuerySet[Insight]) -> QuerySet[Insight]:
        """All filters, then search (it ranks what is left), then ordering."""
        queryset = super().filter_queryset(queryset)
        search = self.form.cleaned_data.get("search")
        if search:
            queryset = search_insights(queryset, search)
        return self._order(queryset, self.form.cleaned_data.get("order"), searching=bool(search))

    def _order(
        self, queryset: QuerySet[Insight], order: str | None, *, searching: bool
    ) -> QuerySet[Insight]:
        if not order:
            return (
                queryset if searching else queryset.order_by(F("order").asc(nulls_last=True), "id")
            )
        field = order.removeprefix("-")
        if field not in ORDERABLE:
            raise ValidationError({"order": [f"Cannot order by {field!r}."]})
        descending = order.startswith("-")
        if field == "last_viewed_at":
            expression = (
                F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_first=True)
            )
        else:
            expression = F(field).desc() if descending else F(field).asc()
        return queryset.order_by(expression, "-id" if descending else "id")

    def filter_noop(self, queryset: QuerySet[Insight], name: str, value: Any) -> QuerySet[Insight]:
        return queryset

    def filter_created_by(
        self, queryset: QuerySet[Insight], name: str, value: list[int] | None
    ) -> QuerySet[Insight]:
        return queryset.filter(created_by_id__in=value) if value else queryset

    def filter_user(self, queryset: QuerySet[Insight], name: str, value: Any) -> QuerySet[Insight]:
        return queryset.filter(created_by=self.user)

    def filter_favorited(
        self, queryset: QuerySet[Insight], name: str, value: Any
    ) -> QuerySet[Insight]:
        return queryset.filter(favorited=True)

    def filter_saved(self, queryset: QuerySet[Insight], name: str, value: str) -> QuerySet[Insight]:
        if not is_truthy(value):
            return queryset.filter(saved=False)
        on_listed_dashboard = DashboardTile.objects.filter(insight=OuterRef("pk")).exclude(
            dashboard__creation_mode="unlisted"
        )
        return queryset.filter(Q(saved=True) | Q(Exists(on_listed_dashboard)))

    def filter_insight(
        self, queryset: QuerySet[Insight], name: str, value: str
    ) -> QuerySet[Insight]:
        legacy = Q(query__isnull=True, filters__insight=value)
        sql = Q(query__kind__in=list(WRAPPER_KINDS), query__source__kind="HogQLQuery")
        viz = Q(query__kind="InsightVizNode", query__source__kind__in=list(INSIGHT_KINDS))
        if value in _SOURCE_KIND:
            return queryset.filter(
                legacy | Q(query__kind="InsightVizNode", query__source__kind=_SOURCE_KIND[value])
            )
        if value == "SQL":
            return queryset.filter(sql)
        if value == "JSON":
            return queryset.filter(query__isnull=False).exclude(sql).exclude(viz)
        return queryset.filter(legacy)

    def filter_dashboards(
        self, queryset: QuerySet[Insight], name: str, value: list[int] | None
    ) -> QuerySet[Insight]:
        for dashboard_id in value or []:
            queryset = queryset.filter(
                Exists(
                    DashboardTile.objects.filter(insight=OuterRef("pk"), dashboard_id=dashboard_id)
                )
            )
        return queryset

    def filter_tags(
        self, queryset: QuerySet[Insight], name: str, value: list[str] | None
    ) -> QuerySet[Insight]:
        if not value:
            return queryset
        return queryset.filter(
            Exists(TaggedItem.objects.filter(insight=OuterRef("pk"), tag__name__in=value))
        )

    def filter_events(
        self, queryset: QuerySet[Insight], name: str, value: list[str] | None
    ) -> QuerySet[Insight]:
        return queryset.filter(query_metadata__events__contains=value) if value else queryset


class InsightFilterBackend(DjangoFilterBackend):
    """Gives the FilterSet the project's timezone (for dates) and the caller (for ``user``)."""

    def get_filterset_kwargs(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        team = view.team
        kwargs.update(
            tz=ZoneInfo(team.timezone), week_start_day=team.week_start_day, user=request.user
        )
        return kwargs
