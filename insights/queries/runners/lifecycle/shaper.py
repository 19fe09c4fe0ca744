"""Shaping a LifecycleQuery's counts into PostHog's four status series (no SQL here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from insights.queries import schema
from insights.queries.dates import ResolvedRange
from insights.queries.labels import bucket_fields
from insights.queries.sql import series_label

STATUSES = ("new", "returning", "resurrecting", "dormant")


def lifecycle_items(
    series: schema.EventsNode, rng: ResolvedRange, counts: dict[tuple[datetime, str], int]
) -> list[dict[str, Any]]:
    """One item per status over the range's buckets; dormant counts are negative, as in PostHog."""
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
    return results
