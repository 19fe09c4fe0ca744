"""LifecycleQuery (posthog-queries.md §5): new / returning / resurrecting / dormant actors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from insights.queries import schema
from insights.queries.dates import INTERVAL_STEP
from insights.queries.dates import ResolvedRange
from insights.queries.dates import iso
from insights.queries.labels import bucket_fields
from insights.queries.runners.base import DateRangeRunner
from insights.queries.sql import EventScope
from insights.queries.sql import bucket_expr
from insights.queries.sql import events_series
from insights.queries.sql import series_label

STATUSES = ("new", "returning", "resurrecting", "dormant")
SQL_STEP = {
    "minute": "1 minute",
    "hour": "1 hour",
    "day": "1 day",
    "week": "1 week",
    "month": "1 month",
}


class LifecycleQueryRunner(DateRangeRunner):
    kind = "LifecycleQuery"
    query: schema.LifecycleQuery
    all_time_unsupported = "Lifecycle"

    def calculate(self) -> dict[str, Any]:
        series = events_series(self.checked_series()[0])
        rng = self.resolved_range()
        counts = self._counts(series, rng)
        days, labels, _ = bucket_fields(rng)
        name = series_label(series)
        results = []
        for status in STATUSES:
            sign = -1 if status == "dormant" else 1
            data = [float(sign * counts.get((bucket, status), 0)) for bucket in rng.buckets]
            results.append(
                {
                    "action": {
                        "id": series.event,
                        "name": series.event or "All events",
                        "type": "events",
                        "order": 0,
                        "math": "total",
                        "custom_name": series.custom_name,
                    },
                    "data": data,
                    "count": float(sum(data)),
                    "labels": labels,
                    "days": days,
                    "label": f"{name} - {status}",
                    "status": status,
                }
            )
        return {
            "results": results,
            "resolved_date_range": {
                "date_from": iso(rng.aware(rng.date_from)),
                "date_to": iso(rng.aware(rng.date_to)),
            },
            "timings": [],
        }

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
