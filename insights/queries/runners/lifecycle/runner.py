"""``LifecycleQueryRunner``: one series, counted by the query builder, shaped by the shaper."""

from __future__ import annotations

from typing import Any

from insights.queries.dates import iso
from insights.queries.runners.lifecycle.query_builder import LifecycleQueryBuilder
from insights.queries.runners.lifecycle.shaper import lifecycle_items
from insights.queries.sql import events_series


class LifecycleQueryRunner(LifecycleQueryBuilder):
    kind = "LifecycleQuery"

    def calculate(self) -> dict[str, Any]:
        series = events_series(self.checked_series()[0])
        rng = self.resolved_range()
        return {
            "results": lifecycle_items(series, rng, self._counts(series, rng)),
            "resolved_date_range": {
                "date_from": iso(rng.aware(rng.date_from)),
                "date_to": iso(rng.aware(rng.date_to)),
            },
            "timings": [],
        }
