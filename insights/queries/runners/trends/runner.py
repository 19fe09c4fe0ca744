"""``TrendsQueryRunner``: validates, builds SQL per series and period, and shapes the rows."""

from __future__ import annotations

from typing import Any

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.dates import iso
from insights.queries.dates import previous_range
from insights.queries.filters import Fragment
from insights.queries.formula import compile_formula
from insights.queries.formula import formulas_of
from insights.queries.runners.trends.options import DEFAULT_BREAKDOWN_LIMIT
from insights.queries.runners.trends.query_builder import TrendsQueryBuilder
from insights.queries.runners.trends.shaper import TrendsShaper
from insights.queries.sql import OTHER_LABEL


class TrendsQueryRunner(TrendsQueryBuilder, TrendsShaper):
    kind = "TrendsQuery"

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
