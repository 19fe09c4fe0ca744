"""TrendsQuery (posthog-queries.md §2): per-series aggregates over interval buckets.

One SQL statement per series and period aggregates ``GROUP BY bucket, breakdown`` (a rolling
window join for weekly/monthly active, a first-bucket-per-actor pass for cumulative users);
Python densifies buckets, ranks breakdown values, and applies cumulative, smoothing, compare
and formulas, which only ever touch the small aggregated rows.
"""

from __future__ import annotations

import math as pymath
from datetime import datetime
from datetime import timedelta
from typing import Any

from rest_framework.exceptions import ValidationError

from insights.queries import hourly_counts
from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.dates import iso
from insights.queries.dates import previous_range
from insights.queries.filters import METADATA_COLUMNS
from insights.queries.filters import TRUE
from insights.queries.filters import FilterBuilder
from insights.queries.filters import Fragment
from insights.queries.filters import UnsupportedQuery
from insights.queries.formula import compile_formula
from insights.queries.formula import formulas_of
from insights.queries.labels import bucket_fields
from insights.queries.runners.base import DateRangeRunner
from insights.queries.runners.base import register
from insights.queries.sql import ACTOR
from insights.queries.sql import NULL_LABEL
from insights.queries.sql import OTHER_LABEL
from insights.queries.sql import EventScope
from insights.queries.sql import bucket_expr
from insights.queries.sql import events_series
from insights.queries.sql import property_number
from insights.queries.sql import property_text
from insights.queries.sql import series_label

TOTAL_VALUE_DISPLAYS = frozenset(
    {"BoldNumber", "ActionsPie", "ActionsBarValue", "ActionsTable", "WorldMap", "CalendarHeatmap"}
)
QUANTILES = {"median": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99}
PROPERTY_AGGREGATES = {"sum": "sum", "avg": "avg", "min": "min", "max": "max"}
# Sums and averages add up values scaled by 2**-600 and scale the result back. A power of two
# only moves a double's exponent, so results are the same, but neither a sum past the double
# range nor avg()'s running sum of squares (past values of about 1e154) can overflow and fail
# the query: a sum past the range is +-Infinity (null in JSON). Values under about 1e-127 lose
# precision in the scaled sum (they add almost nothing to it).
SCALED_AGGREGATES = frozenset({"sum", "avg"})
SCALE = "power(2::float8, 600)"
SCALED_LIMIT = "power(2::float8, 424)"  # 2**424 * 2**600 = 2**1024, past the largest double
ACTIVE_WINDOWS = {"weekly_active": timedelta(days=7), "monthly_active": timedelta(days=30)}
SUPPORTED_MATHS = frozenset(
    {"total", "dau", "weekly_active", "monthly_active", "unique_session"}
    | set(QUANTILES)
    | set(PROPERTY_AGGREGATES)
)
STEPS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
DEFAULT_BREAKDOWN_LIMIT = 25

Rows = dict[str, dict[datetime | None, float]]


def _source_error(path: dict[str, Any]) -> ValidationError:
    return ValidationError({"query": {"source": path}})


@register("TrendsQuery")
class TrendsQueryRunner(DateRangeRunner):
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

    # --- calculation --------------------------------------------------------------------------

    def calculate(self) -> dict[str, Any]:
        series_list = self._validate()
        formulas = formulas_of(self.query.trendsFilter)
        compiled = [
            (compile_formula(text, len(series_list)), text, name) for text, name in formulas
        ]
        current = self.resolved_range()
        periods: list[tuple[str, ResolvedRange]] = [("current", current)]
        compare = self.query.compareFilter
        if compare and compare.compare:
            periods.append(
                (
                    "previous",
                    previous_range(
                        current,
                        compare_to=compare.compare_to,
                        week_start_day=self.week_start_day,
                        now=self.now,
                    ),
                )
            )
        results: list[dict[str, Any]] = []
        has_more = False
        for compare_label, rng in periods:
            per_series: list[list[dict[str, Any]]] = []
            for order, series in enumerate(series_list):
                series_items, more = self._series_items(order, series, rng, len(series_list))
                has_more = has_more or more
                per_series.append(series_items)
            items = (
                self._apply_formulas(compiled, per_series)
                if compiled
                else [item for group in per_series for item in group]
            )
            if len(periods) > 1:
                for item in items:
                    item["compare"] = True
                    item["compare_label"] = compare_label
            results.extend(items)
        return {
            "results": results,
            "hasMore": has_more,
            "resolved_date_range": {
                "date_from": iso(current.aware(current.date_from)),
                "date_to": iso(current.aware(current.date_to)),
            },
            "timings": [],
        }

    def _effective_math(self, series: schema.EventsNode, interval: str) -> str:
        math = series.math or "total"
        if math == "weekly_active" and interval in ("week", "month"):
            return "dau"
        if math == "monthly_active" and interval == "month":
            return "dau"
        return math

    def _series_items(
        self, order: int, series: schema.EventsNode, rng: ResolvedRange, series_count: int
    ) -> tuple[list[dict[str, Any]], bool]:
        math = self._effective_math(series, rng.interval)
        builder = self.filter_builder()
        conditions = self.conditions_of(builder, series)
        breakdown = self._breakdown_expr(builder)
        rows = self._aggregate(series, math, rng, conditions, builder, breakdown)
        has_more = False
        if breakdown is not None:
            ranked = self._rank(rows)
            limit = self._breakdown_limit()
            if len(ranked) > limit:
                has_more = True
                kept = ranked[:limit]
                hide_other = bool(
                    self.query.breakdownFilter
                    and self.query.breakdownFilter.breakdown_hide_other_aggregation
                )
                if hide_other:
                    rows = {value: rows[value] for value in kept}
                else:
                    sql, params = breakdown
                    mapped: Fragment = (
                        f"(CASE WHEN {sql} = ANY(%s) THEN {sql} ELSE %s END)",
                        [*params, kept, *params, OTHER_LABEL],
                    )
                    rows = self._aggregate(series, math, rng, conditions, builder, mapped)
            ordered = self._rank(rows)
        else:
            ordered = [""]
        items = [
            self._item(order, series, math, rng, rows.get(value, {}), value, series_count)
            for value in ordered
        ]
        if breakdown is None:
            for item in items:
                item.pop("breakdown_value", None)
        return items, has_more

    def _breakdown_limit(self) -> int:
        bf = self.query.breakdownFilter
        return (bf.breakdown_limit if bf and bf.breakdown_limit else None) or (
            250 if self.display == "WorldMap" else DEFAULT_BREAKDOWN_LIMIT
        )

    def _breakdown_expr(self, builder: FilterBuilder) -> Fragment | None:
        bf = self.query.breakdownFilter
        if bf is None:
            return None
        if bf.breakdowns:
            raise UnsupportedQuery("Multiple breakdowns")
        breakdown = bf.breakdown
        if isinstance(breakdown, list):
            if len(breakdown) > 1:
                raise UnsupportedQuery("Multiple breakdowns")
            breakdown = breakdown[0] if breakdown else None
        if breakdown is None or breakdown == "":
            return None
        if bf.breakdown_histogram_bin_count:
            raise UnsupportedQuery("Histogram breakdowns")
        kind = bf.breakdown_type or "event"
        if kind in ("event", "person"):
            text = property_text(str(breakdown), kind, builder)
        elif kind == "event_metadata" and str(breakdown) in METADATA_COLUMNS:
            text = (METADATA_COLUMNS[str(breakdown)], [])
        else:
            raise UnsupportedQuery(f"Breakdowns of type {kind!r}")
        sql, params = text
        if bf.breakdown_normalize_url:
            sql = f"COALESCE(NULLIF(regexp_replace({sql}, '[/?#]+$', ''), ''), '/')"
        return f"COALESCE(NULLIF({sql}, ''), %s)", [*params, NULL_LABEL]

    def _rank(self, rows: Rows) -> list[str]:
        """Regular values by total DESC then value ASC, then the null label, then Other."""

        def key(value: str) -> tuple[int, float, str]:
            group = 2 if value == OTHER_LABEL else 1 if value == NULL_LABEL else 0
            return group, -sum(rows[value].values()), value

        return sorted(rows, key=key)

    # --- SQL ----------------------------------------------------------------------------------

    def _aggregate(
        self,
        series: schema.EventsNode,
        math: str,
        rng: ResolvedRange,
        conditions: list[Fragment],
        builder: FilterBuilder,
        breakdown: Fragment | None,
    ) -> Rows:
        tz_name = self.tz.key
        bd_sql, bd_params = breakdown or ("''", [])
        # Without a breakdown the constant column is not grouped on (a narrower sort).
        group_by = "1, 2" if breakdown is not None else "1"
        cumulative_actors = self.display == "ActionsLineGraphCumulative" and math == "dau"
        value_sql, value_params = self._math_expr(series, math, builder)
        scope = EventScope(
            team_id=self.team.pk,
            event=series.event,
            ts_from=rng.sql_from,
            ts_to=rng.sql_to,
            conditions=conditions,
            needs_actor=math in ("dau", "weekly_active", "monthly_active") or builder.needs_person,
            needs_person=builder.needs_person,
        )
        if math in ACTIVE_WINDOWS:
            window = ACTIVE_WINDOWS[math]
            if self.total_value:
                scope.ts_from = rng.sql_to - window
                sql_from, from_params = scope.from_where()
                sql = (
                    f"SELECT NULL, {bd_sql}, count(DISTINCT {ACTOR}) {sql_from} GROUP BY {group_by}"
                )
                return self._collect(sql, [*bd_params, *from_params])
            step = STEPS[rng.interval]
            scope.ts_from = min(rng.sql_from, rng.aware(rng.buckets[0] + step - window))
            sql_from, from_params = scope.from_where()
            sql = (
                "SELECT b.bucket, ev.bd, count(DISTINCT ev.actor)"
                " FROM unnest(%s::timestamp[]) AS b(bucket) JOIN ("
                f"SELECT (e.timestamp AT TIME ZONE %s) AS lts, {bd_sql} AS bd, {ACTOR} AS actor"
                f" {sql_from}) ev ON ev.lts >= b.bucket + %s - %s AND ev.lts < b.bucket + %s"
                " GROUP BY 1, 2"
            )
            params = [list(rng.buckets), tz_name, *bd_params, *from_params, step, window, step]
            return self._collect(sql, params)
        if math == "dau" and not builder.needs_person and not cumulative_actors:
            return self._distinct_users(rng, scope, breakdown)
        if (
            math == "total"
            and breakdown is None
            and not builder.needs_person
            and all(condition == TRUE for condition in conditions)
            and hourly_counts.covers(rng)
        ):
            sql, params = hourly_counts.counts_sql(
                team_id=self.team.pk,
                event=series.event,
                rng=rng,
                tz_name=tz_name,
                week_start_day=self.week_start_day,
                total_value=self.total_value,
            )
            return self._collect(sql, params)
        sql_from, from_params = scope.from_where()
        if self.total_value:
            sql = f"SELECT NULL, {bd_sql}, {value_sql} {sql_from} GROUP BY {group_by}"
            return self._collect(sql, [*bd_params, *value_params, *from_params])
        bucket_sql, bucket_params = bucket_expr(rng.interval, tz_name, self.week_start_day)
        if cumulative_actors:
            sql = (
                "SELECT first_bucket, bd, count(*) FROM ("
                f"SELECT {ACTOR} AS actor, {bd_sql} AS bd, min({bucket_sql}) AS first_bucket"
                f" {sql_from} GROUP BY 1, 2) t GROUP BY 1, 2"
            )
            return self._collect(sql, [*bd_params, *bucket_params, *from_params])
        sql = f"SELECT {bucket_sql}, {bd_sql}, {value_sql} {sql_from} GROUP BY {group_by}"
        return self._collect(sql, [*bucket_params, *bd_params, *value_params, *from_params])

    def _distinct_users(
        self, rng: ResolvedRange, scope: EventScope, breakdown: Fragment | None
    ) -> Rows:
        """Unique users: distinct (bucket, distinct_id) first, then one person lookup for each.

        Same answer as joining every event to its person, but the join (and the wide DISTINCT
        on person ids) runs over distinct_ids per bucket instead of over every event.
        """
        bd_sql, bd_params = breakdown or ("''", [])
        bucket: Fragment = ("NULL::timestamp", [])
        if not self.total_value:
            bucket = bucket_expr(rng.interval, self.tz.key, self.week_start_day)
        bucket_sql, bucket_params = bucket
        scope.needs_actor = False
        sql_from, from_params = scope.from_where()
        sql = (
            "SELECT d.bucket, d.bd, count(DISTINCT COALESCE(pdi.person_id::text, 'd:' || d.did))"
            f" FROM (SELECT DISTINCT {bucket_sql} AS bucket, {bd_sql} AS bd, e.distinct_id AS did"
            f" {sql_from}) d LEFT JOIN posthog_api_persondistinctid pdi"
            " ON pdi.team_id = %s AND pdi.distinct_id = d.did GROUP BY 1, 2"
        )
        return self._collect(sql, [*bucket_params, *bd_params, *from_params, self.team.pk])

    def _math_expr(self, series: schema.EventsNode, math: str, builder: FilterBuilder) -> Fragment:
        if math == "total":
            return "count(*)", []
        if math == "dau":
            return f"count(DISTINCT {ACTOR})", []
        if math == "unique_session":
            return "count(DISTINCT COALESCE(e.session_id, ''))", []
        if math in ACTIVE_WINDOWS:
            return "", []  # a rolling window join, built in _aggregate
        value_sql, value_params = property_number(
            str(series.math_property), series.math_property_type, builder
        )
        if math in QUANTILES:
            return (
                f"COALESCE(percentile_cont(%s) WITHIN GROUP (ORDER BY {value_sql}), 0)",
                [QUANTILES[math], *value_params],
            )
        if math in SCALED_AGGREGATES:
            scaled = f"{PROPERTY_AGGREGATES[math]}({value_sql} / {SCALE})"
            return (
                f"COALESCE(CASE WHEN abs({scaled}) < {SCALED_LIMIT} THEN {scaled} * {SCALE}"
                f" ELSE sign({scaled}) * 'Infinity'::float8 END, 0)",
                value_params * 3,
            )
        return f"COALESCE({PROPERTY_AGGREGATES[math]}({value_sql}), 0)", value_params

    def _collect(self, sql: str, params: list[Any]) -> Rows:
        rows: Rows = {}
        for bucket, value, number in self.sql(sql, params):
            rows.setdefault(value, {})[bucket] = number
        return rows

    # --- shaping ------------------------------------------------------------------------------

    def _item(
        self,
        order: int,
        series: schema.EventsNode,
        math: str,
        rng: ResolvedRange,
        values: dict[datetime | None, float],
        breakdown_value: str,
        series_count: int,
    ) -> dict[str, Any]:
        property_math = math in QUANTILES or math in PROPERTY_AGGREGATES
        base_label = series_label(series)
        label = base_label
        if self.query.breakdownFilter is not None and breakdown_value:
            label = breakdown_value if series_count == 1 else f"{base_label} - {breakdown_value}"
        days, labels, instants = bucket_fields(rng)
        action: dict[str, Any] = {
            "days": [] if self.total_value else instants,
            "id": series.event,
            "type": "events",
            "order": order,
            "name": series.event or "All events",
            "custom_name": series.custom_name,
            "math": series.math or "total",
            "math_property": series.math_property,
            "math_hogql": series.math_hogql,
            "math_group_type_index": series.math_group_type_index,
            "properties": {},
        }
        item: dict[str, Any] = {"label": label, "action": action, "filter": self._filter_echo(rng)}
        if self.total_value:
            aggregated = values.get(None, 0)
            item.update(
                data=[],
                days=[],
                labels=[],
                count=0,
                aggregated_value=_number(aggregated, property_math),
            )
        else:
            data = [_number(values.get(bucket, 0), property_math) for bucket in rng.buckets]
            cumulative = self.display == "ActionsLineGraphCumulative"
            if cumulative:
                running: float = 0
                data = [running := running + value for value in data]
            smoothing = (
                self.query.trendsFilter.smoothingIntervals if self.query.trendsFilter else None
            )
            if smoothing and smoothing > 1:
                data = [
                    _floor(sum(window) / len(window))
                    for window in (
                        data[max(0, i - smoothing + 1) : i + 1] for i in range(len(data))
                    )
                ]
            count = float(data[-1] if cumulative and data else sum(data))
            item.update(data=data, labels=labels, days=days, count=count)
        item["order"] = order
        item["breakdown_value"] = breakdown_value
        return item

    def _filter_echo(self, rng: ResolvedRange) -> dict[str, Any]:
        bf = self.query.breakdownFilter
        compare = self.query.compareFilter
        echo: dict[str, Any] = {
            "insight": "TRENDS",
            "date_from": iso(rng.aware(rng.date_from)),
            "date_to": iso(rng.aware(rng.date_to)),
            "interval": rng.interval,
            "display": self.display,
            "filter_test_accounts": bool(self.query.filterTestAccounts),
        }
        if bf is not None and bf.breakdown is not None:
            echo["breakdown"] = bf.breakdown
            echo["breakdown_type"] = bf.breakdown_type or "event"
        if compare is not None and compare.compare:
            echo["compare"] = True
        return echo

    def _apply_formulas(
        self, compiled: list[tuple[Any, str, str | None]], per_series: list[list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        keys: list[str | None] = []
        for items in per_series:
            for existing in items:
                if existing.get("breakdown_value") not in keys:
                    keys.append(existing.get("breakdown_value"))
        template = per_series[0][0] if per_series[0] else None
        out: list[dict[str, Any]] = []
        for order, (evaluate, text, custom_name) in enumerate(compiled):
            for key in keys:
                matched = [
                    next((i for i in items if i.get("breakdown_value") == key), None)
                    for items in per_series
                ]
                item: dict[str, Any] = {
                    "label": custom_name or f"Formula ({text})",
                    "action": None,
                    "filter": template["filter"] if template else {},
                    "order": order,
                }
                if self.total_value:
                    values = [float(m["aggregated_value"]) if m else 0.0 for m in matched]
                    item.update(
                        data=[], days=[], labels=[], count=0, aggregated_value=evaluate(values)
                    )
                else:
                    length = len(template["data"]) if template else 0
                    columns = [m["data"] if m else [0] * length for m in matched]
                    data = [evaluate([column[i] for column in columns]) for i in range(length)]
                    item.update(
                        data=data,
                        labels=template["labels"] if template else [],
                        days=template["days"] if template else [],
                        count=float(sum(data)),
                    )
                if key is not None:
                    item["breakdown_value"] = key
                out.append(item)
        return out


def _floor(value: float) -> float:
    """floor(), as an int only while it fits in 64 bits (JSON cannot carry a larger one)."""
    if not pymath.isfinite(value):
        return value
    floored = pymath.floor(value)
    return floored if -(2**63) <= floored < 2**63 else float(floored)


def _number(value: Any, as_float: bool) -> Any:
    if value is None:
        return 0.0 if as_float else 0
    if as_float:
        return float(value)
    return int(value)
