"""The options of a TrendsQuery, resolved and validated before any SQL is built."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import Any

from rest_framework.exceptions import ValidationError

from insights.queries import schema
from insights.queries.filters import UnsupportedQuery
from insights.queries.runners.base import DateRangeRunner
from insights.queries.sql import events_series

TOTAL_VALUE_DISPLAYS = frozenset(
    {"BoldNumber", "ActionsPie", "ActionsBarValue", "ActionsTable", "WorldMap", "CalendarHeatmap"}
)
QUANTILES = {"median": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99}
PROPERTY_AGGREGATES = {"sum": "sum", "avg": "avg", "min": "min", "max": "max"}
# Maths over a rolling window of actors (weekly/monthly active users).
ACTIVE_WINDOWS = {"weekly_active": timedelta(days=7), "monthly_active": timedelta(days=30)}
SUPPORTED_MATHS = frozenset(
    {"total", "dau", "weekly_active", "monthly_active", "unique_session"}
    | set(QUANTILES)
    | set(PROPERTY_AGGREGATES)
)
DEFAULT_BREAKDOWN_LIMIT = 25

Rows = dict[str, dict[datetime | None, float]]


def _source_error(path: dict[str, Any]) -> ValidationError:
    return ValidationError({"query": {"source": path}})


class TrendsOptions(DateRangeRunner):
    """What the builder and the shaper both read: display, interval and the validated series."""

    query: schema.TrendsQuery

    # --- options ------------------------------------------------------------------------------

    @property
    def display(self) -> str:
        trends_filter = self.query.trendsFilter
        return (trends_filter.display if trends_filter else None) or "ActionsLineGraph"

    @property
    def total_value(self) -> bool:
        return self.display in TOTAL_VALUE_DISPLAYS

    def interval(self) -> str:
        return "day" if self.total_value else (self.query.interval or "day")

    def range_options(self, date_range: schema.DateRange) -> dict[str, Any]:
        return {
            "exact": self.display == "BoldNumber",
            "earliest": self._earliest() if date_range.date_from == "all" else None,
        }

    def _earliest(self) -> datetime | None:
        events = [getattr(s, "event", None) for s in self.query.series]
        if any(event is None for event in events):
            rows = self.sql(
                "SELECT min(timestamp) FROM posthog_api_event WHERE team_id = %s", [self.team.pk]
            )
        else:
            rows = self.sql(
                "SELECT min(timestamp) FROM posthog_api_event WHERE team_id = %s AND event = ANY(%s)",
                [self.team.pk, events],
            )
        return rows[0][0] if rows else None

    def _validate(self) -> list[schema.EventsNode]:
        query = self.query
        self.checked_series()
        if query.samplingFactor not in (None, 1):
            raise UnsupportedQuery("Sampling")
        series_list = []
        for index, raw in enumerate(query.series):
            series = events_series(raw)
            math = series.math or "total"
            if math not in SUPPORTED_MATHS:
                raise UnsupportedQuery(f"The {math!r} math")
            if (math in QUANTILES or math in PROPERTY_AGGREGATES) and not series.math_property:
                raise _source_error(
                    {
                        "series": {
                            str(index): {"math_property": ["This math needs a math_property."]}
                        }
                    }
                )
            if series.math_property == "$session_duration":
                raise UnsupportedQuery("Math on $session_duration")
            series_list.append(series)
        return series_list
