"""The SQL of a LifecycleQuery: how many actors were new / returning / resurrecting / dormant per bucket."""

from __future__ import annotations

from datetime import datetime

from insights.queries import schema
from insights.queries.dates import INTERVAL_STEP
from insights.queries.dates import ResolvedRange
from insights.queries.runners.base import DateRangeRunner
from insights.queries.sql import EventScope
from insights.queries.sql import bucket_expr

SQL_STEP = {
    "minute": "1 minute",
    "hour": "1 hour",
    "day": "1 day",
    "week": "1 week",
    "month": "1 month",
}


class LifecycleQueryBuilder(DateRangeRunner):
    """Builds and runs the one window-function statement: actors per (bucket, status)."""

    query: schema.LifecycleQuery
    all_time_unsupported = "Lifecycle"

    def _counts(
        self, series: schema.EventsNode, rng: ResolvedRange
    ) -> dict[tuple[datetime, str], int]:
        builder = self.filter_builder()
        conditions = self.conditions_of(builder, series)
        step = INTERVAL_STEP[rng.interval]
        scope = EventScope(
            team_id=self.team.pk,
            event=series.event,
            ts_from=rng.aware(rng.buckets[0] - step),
            ts_to=rng.aware(rng.buckets[-1] + step),
            conditions=conditions,
            needs_actor=True,
            needs_person=True,
            # Personless events have no person row and never enter a lifecycle.
            extra_where=[
                ("p.id IS NOT NULL", []),
                ("e.timestamp < %s", [rng.aware(rng.buckets[-1] + step)]),
                ("COALESCE(e.properties ->> '$process_person_profile', '') <> 'false'", []),
            ],
        )
        tz_name = self.tz.key
        event_bucket, event_params = bucket_expr(rng.interval, tz_name, self.week_start_day)
        created_bucket, created_params = bucket_expr(
            rng.interval, tz_name, self.week_start_day, column="p.created_at"
        )
        sql_from, from_params = scope.from_where()
        sql = (
            "WITH periods AS ("
            f"SELECT DISTINCT p.id AS actor, {event_bucket} AS period, {created_bucket} AS created"
            f" {sql_from}), marked AS ("
            "SELECT period, created,"
            " lag(period) OVER (PARTITION BY actor ORDER BY period) AS prev,"
            " lead(period) OVER (PARTITION BY actor ORDER BY period) AS next FROM periods)"
            " SELECT period, CASE WHEN prev IS NULL AND created = period THEN 'new'"
            " WHEN prev IS NOT NULL AND prev + %s::interval = period THEN 'returning'"
            " ELSE 'resurrecting' END, count(*) FROM marked GROUP BY 1, 2"
            " UNION ALL SELECT period + %s::interval, 'dormant', count(*) FROM marked"
            " WHERE next IS NULL OR next <> period + %s::interval GROUP BY 1"
        )
        interval_text = SQL_STEP[rng.interval]
        params = [
            *event_params,
            *created_params,
            *from_params,
            interval_text,
            interval_text,
            interval_text,
        ]
        return {(period, status): int(count) for period, status, count in self.sql(sql, params)}
