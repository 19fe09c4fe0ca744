"""Funnel rows from SQL -> PostHog's response shapes (posthog-queries.md §3.4, §3.5)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.labels import day_string
from insights.queries.labels import label


def _step_name(step: schema.EventsNode) -> str:
    return step.name or step.event or "All events"


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def step_objects(
    steps: list[schema.EventsNode], row: tuple[Any, ...], *, unordered: bool
) -> list[dict[str, Any]]:
    """One result list: ``row`` is (breakdown, count per step..., (avg, median) per gap...)."""
    n = len(steps)
    counts = row[1 : n + 1]
    stats = row[n + 1 :]
    items = []
    for k, step in enumerate(steps):
        average = median = None
        if k > 0:
            average, median = _number(stats[2 * (k - 1)]), _number(stats[2 * (k - 1) + 1])
        if unordered:
            name = f"Completed {k + 1} step{'s' if k else ''}"
            action_id: Any = None
            custom_name = None
        else:
            name, action_id, custom_name = _step_name(step), step.event, step.custom_name
        items.append(
            {
                "action_id": action_id,
                "name": name,
                "custom_name": custom_name,
                "order": k,
                "people": [],
                "count": int(counts[k]),
                "type": "events",
                "average_conversion_time": average,
                "median_conversion_time": median,
            }
        )
    return items


def steps_results(
    steps: list[schema.EventsNode],
    rows: list[tuple[Any, ...]],
    *,
    unordered: bool,
    breakdown: bool,
) -> list[Any]:
    """A list of steps, or one list of steps per breakdown value (already in result order)."""
    if not breakdown:
        n = len(steps)
        empty = ("", *([0] * n), *([None] * (2 * (n - 1))))
        return step_objects(steps, rows[0] if rows else empty, unordered=unordered)
    results = []
    for row in rows:
        items = step_objects(steps, row, unordered=unordered)
        for item in items:
            item["breakdown"] = [row[0]]
            item["breakdown_value"] = [row[0]]
        results.append(items)
    return results


def time_to_convert_results(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """``{"bins": [[start, actors], ...], "average_conversion_time": ...}``."""
    if not rows:
        return {"bins": [], "average_conversion_time": None}
    low, width, bins, mean = rows[0][:4]
    counts = {float(row[4]): int(row[5]) for row in rows}
    starts = [float(low) + i * float(width) for i in range(int(bins) + 1)]
    return {
        "bins": [[_whole(start), counts.get(start, 0)] for start in starts],
        "average_conversion_time": round(float(mean), 2),
    }


def _whole(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def trends_results(
    rows: list[tuple[Any, ...]], rng: ResolvedRange, *, breakdown: bool
) -> list[dict[str, Any]]:
    """One series of conversion rates per breakdown value, every bucket of the range filled."""
    by_value: dict[str, dict[datetime, tuple[int, int]]] = {}
    for value, period, entered, converted in rows:
        bucket = datetime.fromtimestamp(float(period), UTC).replace(tzinfo=None)
        by_value.setdefault(value, {})[bucket] = (int(entered), int(converted))
    if not breakdown:
        by_value = {"": by_value.get("", {})}
    days = [day_string(b, rng.interval) for b in rng.buckets]
    labels = [label(b, rng) for b in rng.buckets]
    results = []
    for value in sorted(by_value):
        counts = by_value[value]
        data = []
        for bucket in rng.buckets:
            entered, converted = counts.get(bucket, (0, 0))
            data.append(round(converted / entered * 100, 2) if entered else 0)
        item: dict[str, Any] = {
            "count": len(rng.buckets),
            "data": data,
            "days": days,
            "labels": labels,
        }
        if breakdown:
            item["breakdown_value"] = [value]
        results.append(item)
    return results
