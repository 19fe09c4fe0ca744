"""StickinessQuery (posthog-queries.md §7): how many actors were active in exactly k buckets."""

from __future__ import annotations

import math
from typing import Any

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.dates import iso
from insights.queries.dates import previous_range
from insights.queries.filters import Fragment
from insights.queries.runners.base import DateRangeRunner
from insights.queries.sql import ACTOR
from insights.queries.sql import EventScope
from insights.queries.sql import bucket_expr
from insights.queries.sql import events_series
from insights.queries.sql import series_label

STEP_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
CRITERIA_SQL = {"gte": ">=", "lte": "<=", "exact": "="}


class StickinessQueryRunner(DateRangeRunner):
    kind = "StickinessQuery"
    query: schema.StickinessQuery
    all_time_unsupported = "Stickiness"

    def calculate(self) -> dict[str, Any]:
        query = self.query
        series_list = [events_series(s) for s in self.checked_series()]
        current = self.resolved_range()
        periods = [("current", current)]
        if query.compareFilter and query.compareFilter.compare:
            periods.append(
                (
                    "previous",
                    previous_range(
                        current,
                        compare_to=query.compareFilter.compare_to,
                        week_start_day=self.week_start_day,
                        now=self.now,
                    ),
                )
            )
        results = []
        for compare_label, rng in periods:
            for order, series in enumerate(series_list):
                item = self._item(order, series, rng)
                if len(periods) > 1:
                    item["compare"] = True
                    item["compare_label"] = compare_label
                results.append(item)
        return {
            "results": results,
            "resolved_date_range": {
                "date_from": iso(current.aware(current.date_from)),
                "date_to": iso(current.aware(current.date_to)),
            },
            "timings": [],
        }

    def _group_expr(self, rng: ResolvedRange) -> Fragment:
        """Which bucket group an event falls in, counted backwards from the last bucket."""
        count = self.query.intervalCount or 1
        bucket_sql, bucket_params = bucket_expr(rng.interval, self.tz.key, self.week_start_day)
        last = rng.buckets[-1]
        if count == 1:
            return bucket_sql, bucket_params
        if rng.interval == "month":
            return (
                "floor(((extract(year FROM %s::timestamp) * 12 + extract(month FROM %s::timestamp))"
                f" - (extract(year FROM {bucket_sql}) * 12 + extract(month FROM {bucket_sql}))) / %s)",
                [last, last, *bucket_params, *bucket_params, count],
            )
        return (
            f"floor(extract(epoch FROM (%s::timestamp - {bucket_sql})) / %s)",
            [last, *bucket_params, STEP_SECONDS[rng.interval] * count],
        )

    def _item(self, order: int, series: schema.EventsNode, rng: ResolvedRange) -> dict[str, Any]:
        builder = self.filter_builder()
        conditions = self.conditions_of(builder, series)
        scope = EventScope(
            team_id=self.team.pk,
            event=series.event,
            ts_from=rng.sql_from,
            ts_to=rng.sql_to,
            conditions=conditions,
            needs_actor=True,
            needs_person=builder.needs_person,
        )
        group_sql, group_params = self._group_expr(rng)
        sql_from, from_params = scope.from_where()
        criteria = (self.query.stickinessFilter or schema.StickinessFilter()).stickinessCriteria
        op, threshold = (CRITERIA_SQL[criteria.operator], criteria.value) if criteria else (">=", 1)
        sql = (
            "SELECT n, count(*) FROM (SELECT actor, count(*) AS n FROM ("
            f"SELECT {ACTOR} AS actor, {group_sql} AS grp, count(*) AS c {sql_from} GROUP BY 1, 2"
            f") per_bucket WHERE c {op} %s AND c > 0 GROUP BY actor) t GROUP BY n"
        )
        rows = dict(self.sql(sql, [*group_params, *from_params, threshold]))
        total = math.ceil(len(rng.buckets) / (self.query.intervalCount or 1))
        exact = [int(rows.get(k, 0)) for k in range(1, total + 1)]
        cumulative = (
            self.query.stickinessFilter is not None
            and self.query.stickinessFilter.computedAs == "cumulative"
        )
        data = [sum(exact[k:]) for k in range(total)] if cumulative else exact
        unit = rng.interval
        labels = [
            f"{k} {unit}{'s' if k != 1 else ''}{' or more' if cumulative else ''}"
            for k in range(1, total + 1)
        ]
        return {
            "count": sum(exact),
            "data": data,
            "days": list(range(1, total + 1)),
            "label": series_label(series),
            "labels": labels,
            "action": {
                "order": order,
                "type": "events",
                "name": series.event or "All events",
                "id": series.event,
                "custom_name": series.custom_name,
                "math": series.math,
            },
        }
