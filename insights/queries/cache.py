"""Result cache in Redis: keys, staleness (posthog-api.md §6.3-6.4) and fail-open reads/writes.

The key hashes the team, the runner kind, the normalised query (without ``tags`` and series
``custom_name``), the team timezone and week start, and ``CACHE_VERSION``: a cached result can
never cross teams or survive a timezone change. Redis being down means "no cache", never a 500.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# Raw values read ahead for the current block (see ``read_ahead``); None outside one.
_ahead: ContextVar[dict[str, Any] | None] = ContextVar("result_cache_read_ahead", default=None)


@contextmanager
def read_ahead(keys: Iterable[str]) -> Iterator[None]:
    """Read ``keys`` in one ``MGET``; reads of those keys inside the block are served from it.

    A page of insights reads one result and one job status per insight: without this that is a
    Redis round trip per insight. Writes inside the block update what was read ahead, so a
    result computed for one insight is seen by the next one with the same query. If Redis is
    down, nothing is read ahead and each read fails open as usual.
    """
    wanted = list(dict.fromkeys(keys))
    values: dict[str, Any] | None = None
    if wanted:
        try:
            found = cache.get_many(wanted)
            values = {key: found.get(key) for key in wanted}
        except Exception:
            logger.warning("Result cache unavailable on read-ahead", exc_info=True)
    token = _ahead.set(values)
    try:
        yield
    finally:
        _ahead.reset(token)


def forget_read_ahead(key: str) -> None:
    """``key`` changed (a job status was written): later reads in the block go to Redis."""
    ahead = _ahead.get()
    if ahead is not None:
        ahead.pop(key, None)


def read(key: str) -> dict[str, Any] | None:
    return read_with(key)[0]


def read_with(key: str, *others: str) -> tuple[dict[str, Any] | None, list[Any]]:
    """The cached payload and the raw values of ``others``, in one Redis round trip."""
    ahead = _ahead.get()
    if ahead is not None and key in ahead and all(other in ahead for other in others):
        return _payload(ahead[key]), [ahead[other] for other in others]
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
    raw = orjson.dumps(payload, default=str)
    ahead = _ahead.get()
    if ahead is not None and key in ahead:
        ahead[key] = raw
    try:
        cache.set(key, raw, CACHE_TTL_SECONDS)
    except Exception:
        logger.warning("Result cache unavailable on write", exc_info=True)
