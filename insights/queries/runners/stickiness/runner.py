"""``StickinessQueryRunner``: per series and period, the query builder counts, the shaper shapes."""

from __future__ import annotations

from typing import Any

from insights.queries.dates import iso
from insights.queries.dates import previous_range
from insights.queries.runners.stickiness.query_builder import StickinessQueryBuilder
from insights.queries.runners.stickiness.shaper import stickiness_item
from insights.queries.sql import events_series


class StickinessQueryRunner(StickinessQueryBuilder):
    kind = "StickinessQuery"

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
        cumulative = (
            query.stickinessFilter is not None and query.stickinessFilter.computedAs == "cumulative"
        )
        results = []
        for compare_label, rng in periods:
            for order, series in enumerate(series_list):
                item = stickiness_item(
                    order,
                    series,
                    rng,
                    self._counts(series, rng),
                    interval_count=query.intervalCount or 1,
                    cumulative=cumulative,
                )
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
