"""The SQL of a TrendsQuery: one aggregate statement per series and period, as ``Rows``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from insights.queries import hourly_counts
from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.filters import METADATA_COLUMNS
from insights.queries.filters import TRUE
from insights.queries.filters import FilterBuilder
from insights.queries.filters import Fragment
from insights.queries.filters import UnsupportedQuery
from insights.queries.runners.trends.options import ACTIVE_WINDOWS
from insights.queries.runners.trends.options import PROPERTY_AGGREGATES
from insights.queries.runners.trends.options import QUANTILES
from insights.queries.runners.trends.options import Rows
from insights.queries.runners.trends.options import TrendsOptions
from insights.queries.sql import ACTOR
from insights.queries.sql import NULL_LABEL
from insights.queries.sql import EventScope
from insights.queries.sql import bucket_expr
from insights.queries.sql import property_number
from insights.queries.sql import property_text

# Sums and averages add up values scaled by 2**-600 and scale the result back. A power of two
# only moves a double's exponent, so results are the same, but neither a sum past the double
# range nor avg()'s running sum of squares (past values of about 1e154) can overflow and fail
# the query: a sum past the range is +-Infinity (null in JSON). Values under about 1e-127 lose
# precision in the scaled sum (they add almost nothing to it).
SCALED_AGGREGATES = frozenset({"sum", "avg"})
SCALE = "power(2::float8, 600)"
SCALED_LIMIT = "power(2::float8, 424)"  # 2**424 * 2**600 = 2**1024, past the largest double
STEPS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}


class TrendsQueryBuilder(TrendsOptions):
    """Builds and runs the SQL; returns rows keyed by breakdown value, then bucket."""

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
