"""The runner interface: one class per query kind, looked up by ``kind`` in ``registry.py``.

Usage::

    runner = runner_for(team=team, query=typed_source, client_query_id="abc")
    response = runner.calculate()       # {"results": ..., "hasMore": ..., ...}

Adding Funnels (or Retention, Paths, HogQL) means one more folder under ``runners/`` (a query
builder module for the SQL, a shaper module for the results, and the runner tying them, which sets
``kind = "FunnelsQuery"``) and one entry in ``registry.RUNNERS``; nothing else changes.
"""

from __future__ import annotations

from abc import ABC
from abc import abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.utils import timezone
from pydantic import BaseModel
from rest_framework.exceptions import ValidationError

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.dates import resolve_range
from insights.queries.db import run_sql
from insights.queries.filters import FilterBuilder
from insights.queries.filters import UnsupportedQuery
from insights.queries.sql import series_conditions
from posthog_api.models import Team


class QueryRunner(ABC):
    kind: ClassVar[str]

    def __init__(
        self,
        *,
        team: Team,
        query: BaseModel,
        client_query_id: str | None = None,
        now: datetime | None = None,
    ) -> None:
        self.team = team
        self.query: Any = query
        self.client_query_id = client_query_id
        self.now = now or timezone.now()
        self.tz = ZoneInfo(team.timezone or "UTC")
        self.week_start_day = team.week_start_day

    def sql(self, text: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return run_sql(text, params, team_id=self.team.pk, client_query_id=self.client_query_id)

    @abstractmethod
    def calculate(self) -> dict[str, Any]:
        """Validate options, build and run SQL, and shape the response (without cache fields)."""

    def interval(self) -> str | None:
        """The interval deciding staleness (§6.3); None for queries without a date range."""
        return getattr(self.query, "interval", None) or "day"

    def date_to(self) -> datetime | None:
        """The resolved end of the range, to recognise closed past windows; None if open."""
        return None


class DateRangeRunner(QueryRunner):
    """A runner over ``dateRange`` bucketed by ``interval`` (trends, stickiness, lifecycle)."""

    # Set by runners that need a bounded range: ``date_from: "all"`` is then refused, naming it.
    all_time_unsupported: ClassVar[str | None] = None

    def interval(self) -> str:
        return self.query.interval or "day"

    def date_to(self) -> datetime | None:
        return self.resolved_range().sql_to

    def range_options(self, date_range: schema.DateRange) -> dict[str, Any]:
        """Extra ``resolve_range`` arguments of a kind (trends: ``exact``, ``earliest``)."""
        return {}

    def checked_series(self) -> list[Any]:
        """The query's series: at least one is required; group aggregation is not supported."""
        if not self.query.series:
            raise ValidationError(
                {"query": {"source": {"series": ["At least one series is required."]}}}
            )
        if self.query.aggregation_group_type_index is not None:
            raise UnsupportedQuery("Group aggregation")
        return list(self.query.series)

    def filter_builder(self) -> FilterBuilder:
        return FilterBuilder(tz=self.tz, now=self.now, week_start_day=self.week_start_day)

    def conditions_of(self, builder: FilterBuilder, series: schema.EventsNode) -> Any:
        """A series' WHERE conditions: its own filters, the query's, and test-account filters."""
        return series_conditions(
            builder=builder,
            query_properties=self.query.properties,
            series=series,
            test_account_filters=self.team.test_account_filters
            if self.query.filterTestAccounts
            else None,
        )

    def resolved_range(self) -> ResolvedRange:
        if not hasattr(self, "_range"):
            date_range = self.query.dateRange or schema.DateRange()
            if date_range.date_from == "all" and self.all_time_unsupported:
                raise UnsupportedQuery(f'{self.all_time_unsupported} with date_from "all"')
            self._range = resolve_range(
                date_from=date_range.date_from,
                date_to=date_range.date_to,
                interval=self.interval(),
                tz=self.tz,
                week_start_day=self.week_start_day,
                now=self.now,
                explicit=bool(date_range.explicitDate),
                **self.range_options(date_range),
            )
        return self._range


def runner_for(*, team: Team, query: BaseModel, client_query_id: str | None = None) -> QueryRunner:
    """Kept for callers that import it from here (``execution.py``, being rewritten by the async
    jobs split): the registry is ``insights.queries.runners.registry``. Imported at call time
    because the registry imports every runner, and every runner imports this module."""
    from insights.queries.runners.registry import runner_for as registry_runner_for

    return registry_runner_for(team=team, query=query, client_query_id=client_query_id)
