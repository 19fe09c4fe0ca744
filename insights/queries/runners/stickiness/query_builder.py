"""The SQL of a StickinessQuery: how many actors were active in exactly k bucket groups."""

from __future__ import annotations

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.filters import Fragment
from insights.queries.runners.base import DateRangeRunner
from insights.queries.sql import ACTOR
from insights.queries.sql import EventScope
from insights.queries.sql import bucket_expr

STEP_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
CRITERIA_SQL = {"gte": ">=", "lte": "<=", "exact": "="}


class StickinessQueryBuilder(DateRangeRunner):
    """Builds and runs one statement per series and period: actors per count of active buckets."""

    query: schema.StickinessQuery
    all_time_unsupported = "Stickiness"

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

    def _counts(self, series: schema.EventsNode, rng: ResolvedRange) -> dict[int, int]:
        """Actors per number of active bucket groups (``n`` -> actors active in exactly ``n``)."""
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
        return dict(self.sql(sql, [*group_params, *from_params, threshold]))
