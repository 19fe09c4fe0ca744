"""Shaping a TrendsQuery's aggregated rows into PostHog's result items (no SQL here)."""

from __future__ import annotations

import math as pymath
from datetime import datetime
from typing import Any

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.dates import iso
from insights.queries.labels import bucket_fields
from insights.queries.runners.trends.options import PROPERTY_AGGREGATES
from insights.queries.runners.trends.options import QUANTILES
from insights.queries.runners.trends.options import Rows
from insights.queries.runners.trends.options import TrendsOptions
from insights.queries.sql import NULL_LABEL
from insights.queries.sql import OTHER_LABEL
from insights.queries.sql import series_label


class TrendsShaper(TrendsOptions):
    """Ranks breakdown values and builds each series item (cumulative, smoothing, formulas)."""

    def _rank(self, rows: Rows) -> list[str]:
        """Regular values by total DESC then value ASC, then the null label, then Other."""

        def key(value: str) -> tuple[int, float, str]:
            group = 2 if value == OTHER_LABEL else 1 if value == NULL_LABEL else 0
            return group, -sum(rows[value].values()), value

        return sorted(rows, key=key)

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
