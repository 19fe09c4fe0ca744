"""FunnelsQuery (posthog-queries.md §3): steps and time to convert, computed in PostgreSQL."""

from __future__ import annotations

from typing import Any

from insights.queries import schema
from insights.queries.dates import iso
from insights.queries.filters import UnsupportedQuery
from insights.queries.runners.base import DateRangeRunner
from insights.queries.runners.funnels import query_builder as builder
from insights.queries.runners.funnels import shaper
from insights.queries.sql import bucket_expr
from insights.queries.sql import events_series

DEFAULT_BREAKDOWN_LIMIT = 25


class FunnelsQueryRunner(DateRangeRunner):
    kind = "FunnelsQuery"
    query: schema.FunnelsQuery
    all_time_unsupported = "Funnels"

    def options(self) -> schema.FunnelsFilter:
        return self.query.funnelsFilter or schema.FunnelsFilter()

    def spec(self) -> builder.FunnelSpec:
        query, options = self.query, self.options()
        steps = [events_series(step) for step in self.checked_series()]
        exclusions = list(options.exclusions or [])
        for exclusion in exclusions:
            if exclusion.kind != "EventsNode":
                raise UnsupportedQuery("ActionsNode exclusions (actions)")
        if query.samplingFactor not in (None, 1):
            raise UnsupportedQuery("Sampling")
        if (options.model_extra or {}).get("funnelAggregateByHogQL"):
            raise UnsupportedQuery("funnelAggregateByHogQL")
        filters = self.filter_builder()
        global_conditions = [
            filters.build(query.properties),
            filters.build_raw(self.team.test_account_filters if query.filterTestAccounts else None),
        ]
        interval = options.funnelWindowInterval or builder.DEFAULT_WINDOW[0]
        unit = options.funnelWindowIntervalUnit or builder.DEFAULT_WINDOW[1]
        breakdown = builder.breakdown_expr(query.breakdownFilter, filters)
        rng = self.resolved_range()
        limit = None
        if breakdown is not None:
            limit = (query.breakdownFilter and query.breakdownFilter.breakdown_limit) or (
                DEFAULT_BREAKDOWN_LIMIT
            )
        return builder.FunnelSpec(
            team_id=self.team.pk,
            steps=steps,
            exclusions=exclusions,
            order=options.funnelOrderType or "ordered",
            window_seconds=interval * builder.WINDOW_SECONDS[unit],
            ts_from=rng.sql_from,
            ts_to=rng.sql_to,
            global_conditions=global_conditions,
            builder=filters,
            breakdown=breakdown,
            attribution=options.breakdownAttributionType or "first_touch",
            attribution_step=options.breakdownAttributionValue or 0,
            breakdown_limit=limit,
        )

    def calculate(self) -> dict[str, Any]:
        options = self.options()
        viz = options.funnelVizType or "steps"
        spec = self.spec()
        if viz == "steps":
            rows = self.sql(*builder.steps_sql(spec))
            results: Any = shaper.steps_results(
                spec.steps,
                rows,
                unordered=spec.order == "unordered",
                breakdown=spec.breakdown is not None,
            )
        elif viz == "time_to_convert":
            from_step = options.funnelFromStep or 0
            to_step = options.funnelToStep if options.funnelToStep is not None else spec.n - 1
            spec.breakdown = None  # time to convert is never broken down
            rows = self.sql(
                *builder.time_to_convert_sql(spec, from_step, to_step, options.binCount)
            )
            results = shaper.time_to_convert_results(rows)
        else:
            results = self._trends(spec, options)
        rng = self.resolved_range()
        return {
            "results": results,
            "isUdf": True,
            "resolved_date_range": {
                "date_from": iso(rng.aware(rng.date_from)),
                "date_to": iso(rng.aware(rng.date_to)),
            },
            "timings": [],
        }

    def _trends(self, spec: builder.FunnelSpec, options: schema.FunnelsFilter) -> list[Any]:
        """Conversion rate per entrance period (§3.6)."""
        if spec.order == "unordered":
            raise UnsupportedQuery("Unordered funnel trends")
        if spec.breakdown is not None and spec.attribution == "step":
            raise UnsupportedQuery("Funnel trends with step breakdown attribution")
        from_step = options.funnelFromStep or 0
        to_step = options.funnelToStep if options.funnelToStep is not None else spec.n - 1
        rng = self.resolved_range()
        spec.steps = spec.steps[: to_step + 1]
        spec.period = bucket_expr(rng.interval, self.tz.key, self.week_start_day)
        rows = self.sql(*builder.trends_sql(spec, from_step))
        return shaper.trends_results(rows, rng, breakdown=spec.breakdown is not None)
