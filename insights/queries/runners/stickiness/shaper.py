"""Shaping a StickinessQuery's counts into PostHog's series item (no SQL here)."""

from __future__ import annotations

import math
from typing import Any

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.sql import series_label


def stickiness_item(
    order: int,
    series: schema.EventsNode,
    rng: ResolvedRange,
    rows: dict[int, int],
    *,
    interval_count: int,
    cumulative: bool,
) -> dict[str, Any]:
    """``rows``: actors per number of active bucket groups, from the query builder."""
    total = math.ceil(len(rng.buckets) / interval_count)
    exact = [int(rows.get(k, 0)) for k in range(1, total + 1)]
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
