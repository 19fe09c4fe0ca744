"""The status of an async query (PostHog's ``QueryStatus``), kept in Redis for polling.

Usage::

    status = new_status(team_id=1, query_id="abc", insight_id=None, dashboard_id=None)
    save_status(status)
    load_status(team_id=1, query_id="abc")  # None once expired or never created

Keys are team-scoped (``query_status:<team_id>:<query_id>``), so one team can never read
another team's status even when it guesses the id.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from pydantic import BaseModel

from insights.queries.cache import forget_read_ahead

logger = logging.getLogger(__name__)

STATUS_TTL = timedelta(minutes=20)
CANCELLED_MESSAGE = "Query cancelled"


class QueryStatus(BaseModel):
    id: str
    query_async: bool = True
    team_id: int
    insight_id: int | None = None
    dashboard_id: int | None = None
    complete: bool = False
    error: bool = False
    error_message: str | None = None
    results: Any = None
    start_time: datetime | None = None
    pickup_time: datetime | None = None
    end_time: datetime | None = None
    expiration_time: datetime | None = None
    task_id: str | None = None
    query_progress: dict[str, Any] | None = None
    labels: list[str] | None = None
    # Bookkeeping of the async job (``job_state.py``), stored but never part of an answer: which
    # run this is (1 for the first pickup), and by when a worker must pick the job up (again).
    attempt: int = 0
    pickup_deadline: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=set(INTERNAL_FIELDS))


INTERNAL_FIELDS = frozenset({"attempt", "pickup_deadline"})


def _key(team_id: int, query_id: str) -> str:
    return f"query_status:{team_id}:{query_id}"


status_key = _key


def parse_status(raw: Any) -> QueryStatus | None:
    """A stored status, or None for a missing or unreadable one."""
    if not raw:
        return None
    try:
        return QueryStatus.model_validate_json(raw)
    except ValueError:
        return None


def new_status(
    *,
    team_id: int,
    query_id: str,
    query_async: bool = True,
    insight_id: int | None = None,
    dashboard_id: int | None = None,
) -> QueryStatus:
    now = timezone.now()
    return QueryStatus(
        id=query_id,
        query_async=query_async,
        team_id=team_id,
        insight_id=insight_id,
        dashboard_id=dashboard_id,
        start_time=now,
        expiration_time=now + STATUS_TTL,
    )


def save_status(status: QueryStatus) -> None:
    """Store the status; Redis being down only loses polling, never the query."""
    forget_read_ahead(_key(status.team_id, status.id))
    try:
        cache.set(_key(status.team_id, status.id), status.model_dump_json(), STATUS_TTL.seconds)
    except Exception:
        logger.warning("Could not store query status %s", status.id, exc_info=True)


def load_status(*, team_id: int, query_id: str) -> QueryStatus | None:
    try:
        raw = cache.get(_key(team_id, query_id))
    except Exception:
        logger.warning("Could not read query status %s", query_id, exc_info=True)
        return None
    return QueryStatus.model_validate_json(raw) if raw else None


def delete_status(*, team_id: int, query_id: str) -> None:
    forget_read_ahead(_key(team_id, query_id))
    try:
        cache.delete(_key(team_id, query_id))
    except Exception:
        logger.warning("Could not delete query status %s", query_id, exc_info=True)
