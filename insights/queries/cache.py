"""Result cache in Redis: keys, staleness (posthog-api.md §6.3-6.4) and fail-open reads/writes.

The key hashes the team, the runner kind, the normalised query (without ``tags`` and series
``custom_name``), the team timezone and week start, and ``CACHE_VERSION``: a cached result can
never cross teams or survive a timezone change. Redis being down means "no cache", never a 500.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from datetime import timedelta
from typing import Any

import orjson
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

CACHE_VERSION = 1
CACHE_TTL_SECONDS = 3 * 24 * 3600
NEXT_REFRESH_DELAY = timedelta(minutes=1)
CLOSED_WINDOW_SLACK = timedelta(seconds=10)

THRESHOLDS: dict[str | None, tuple[timedelta, timedelta]] = {
    None: (timedelta(hours=6), timedelta(hours=12)),
    "minute": (timedelta(minutes=5), timedelta(minutes=15)),
    "hour": (timedelta(hours=1), timedelta(hours=2)),
    "day": (timedelta(hours=6), timedelta(hours=12)),
    "week": (timedelta(days=1), timedelta(days=1)),
    "month": (timedelta(days=1), timedelta(days=1)),
}


def _strip(node: Any, *, in_series: bool = False) -> Any:
    if isinstance(node, dict):
        return {
            key: _strip(value, in_series=key == "series")
            for key, value in node.items()
            if key != "tags" and not (in_series and key == "custom_name")
        }
    if isinstance(node, list):
        return [
            {k: _strip(v) for k, v in item.items() if k not in ("custom_name", "tags")}
            if in_series and isinstance(item, dict)
            else _strip(item)
            for item in node
        ]
    return node


def cache_key(
    *, team_id: int, kind: str, query: dict[str, Any], tz: str, week_start_day: int | None
) -> str:
    payload = {
        "team_id": team_id,
        "kind": kind,
        "query": _strip(query),
        "timezone": tz,
        "week_start_day": week_start_day,
        "version": CACHE_VERSION,
    }
    digest = hashlib.sha256(
        orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)
    ).hexdigest()
    return f"cache_{digest}"


def threshold(interval: str | None, *, lazy: bool = False) -> timedelta:
    pair = THRESHOLDS.get(interval, THRESHOLDS[None])
    return pair[1] if lazy else pair[0]


def is_stale(
    *, last_refresh: datetime, interval: str | None, date_to: datetime | None, lazy: bool = False
) -> bool:
    # A window that closed before the result was computed cannot change any more.
    if date_to is not None and date_to < last_refresh - CLOSED_WINDOW_SLACK:
        return False
    return timezone.now() > last_refresh + threshold(interval, lazy=lazy)


def read(key: str) -> dict[str, Any] | None:
    return read_with(key)[0]


def read_with(key: str, *others: str) -> tuple[dict[str, Any] | None, list[Any]]:
    """The cached payload and the raw values of ``others``, in one Redis round trip."""
    try:
        found = cache.get_many([key, *others])
    except Exception:
        logger.warning("Result cache unavailable on read", exc_info=True)
        return None, [None for _ in others]
    return _payload(found.get(key)), [found.get(other) for other in others]


def _payload(raw: Any) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        payload = orjson.loads(raw)
        datetime.fromisoformat(payload["last_refresh"])
    except (TypeError, ValueError, KeyError, orjson.JSONDecodeError):
        return None  # an unparseable payload is a miss
    return payload if isinstance(payload, dict) and "results" in payload else None


def write(key: str, payload: dict[str, Any]) -> None:
    try:
        cache.set(key, orjson.dumps(payload, default=str), CACHE_TTL_SECONDS)
    except Exception:
        logger.warning("Result cache unavailable on write", exc_info=True)
