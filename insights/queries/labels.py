"""How PostHog renders bucket dates: ``days``, ``labels`` and ``action.days`` (§1.4)."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from insights.queries.dates import ResolvedRange
from insights.queries.dates import iso

EN_DASH = "\u2013"


def day_string(bucket: datetime, interval: str) -> str:
    if interval in ("hour", "minute"):
        return bucket.strftime("%Y-%m-%d %H:%M:%S")
    return bucket.strftime("%Y-%m-%d")


def _d_mon(value: datetime) -> str:
    return f"{value.day}-{value.strftime('%b')}"


def label(bucket: datetime, rng: ResolvedRange) -> str:
    interval = rng.interval
    if interval in ("hour", "minute"):
        return f"{_d_mon(bucket)} {bucket.strftime('%H:%M')}"
    if interval == "month":
        return bucket.strftime("%b %Y")
    if interval == "week":
        start = max(bucket.date(), rng.date_from.date())
        end = min(bucket.date() + timedelta(days=6), rng.date_to.date())
        if start == end:
            return f"{start.day}-{start.strftime('%b-%Y')}"
        if start.year != end.year:
            return (
                f"{start.day}-{start.strftime('%b-%Y')} {EN_DASH} {end.day}-{end.strftime('%b-%Y')}"
            )
        if start.month != end.month:
            return f"{start.day}-{start.strftime('%b')} {EN_DASH} {end.day}-{end.strftime('%b')}"
        return f"{start.day}{EN_DASH}{end.day} {start.strftime('%b')}"
    return f"{_d_mon(bucket)}-{bucket.year}"


def bucket_fields(rng: ResolvedRange) -> tuple[list[str], list[str], list[str]]:
    """(days, labels, action days) for every bucket of the range."""
    days = [day_string(b, rng.interval) for b in rng.buckets]
    labels = [label(b, rng) for b in rng.buckets]
    instants = [iso(rng.aware(b)) for b in rng.buckets]
    return days, labels, instants
