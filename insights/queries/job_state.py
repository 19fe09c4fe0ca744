"""The async job's state machine, and the one way to change a stored job status.

States are read off the stored ``QueryStatus`` (so what a client sees and the state can never
disagree)::

    queued     not complete, no error, not picked up (pickup_time null)
    running    not complete, no error, picked up by attempt N (pickup_time set)
    complete   complete, no error                                        final
    error      error, any message but "Query cancelled"                  final
    cancelled  error, "Query cancelled"                                  final

Allowed transitions (anything else is refused, and a refused write changes nothing)::

    queued  -> queued (deadline moved) | running | error | cancelled
    running -> running (a new attempt, or a deadline noted) | complete | error | cancelled

Every change goes through ``transition``: a compare-and-set on the status key (``WATCH``/
``MULTI``), so two writers (a worker finishing, a cancel, a poll noticing a dead worker) can
never interleave, and a final state can never be overwritten. A retry after a lost worker is a
new attempt: it becomes ``running`` only if the status is not final by then.

Usage::

    status, written = transition(team_id=1, query_id="abc", change=lambda s: failed(s, "..."))
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from insights.queries.cache import forget_read_ahead
from insights.queries.status import CANCELLED_MESSAGE
from insights.queries.status import STATUS_TTL
from insights.queries.status import QueryStatus
from insights.queries.status import status_key
from posthog_api.redis_cache import update_cached

WORKER_LOST_MESSAGE = (
    "The worker running this query stopped and no worker took it over; "
    "retry with refresh=blocking or check the workers."
)
GAVE_UP_MESSAGE = "This query was abandoned after its worker stopped repeatedly."
FAILED_MESSAGE = "This query failed to compute."
NOT_QUEUED_MESSAGE = "This query could not be queued; please retry."
EXPIRED_MESSAGE = "This query expired before a worker picked it up."


def not_picked_up_message() -> str:
    seconds = settings.QUERY_PICKUP_TIMEOUT_SECONDS
    return (
        f"No worker picked up this query within {seconds:g} s; "
        "retry with refresh=blocking or check the workers."
    )


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETE = "complete"
    ERROR = "error"
    CANCELLED = "cancelled"


FINAL = frozenset({JobState.COMPLETE, JobState.ERROR, JobState.CANCELLED})
ALLOWED: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset(
        {JobState.QUEUED, JobState.RUNNING, JobState.ERROR, JobState.CANCELLED}
    ),
    JobState.RUNNING: frozenset(
        {JobState.RUNNING, JobState.COMPLETE, JobState.ERROR, JobState.CANCELLED}
    ),
}


def state_of(status: QueryStatus) -> JobState:
    if status.error:
        cancelled = status.error_message == CANCELLED_MESSAGE
        return JobState.CANCELLED if cancelled else JobState.ERROR
    if status.complete:
        return JobState.COMPLETE
    return JobState.QUEUED if status.pickup_time is None else JobState.RUNNING


def is_final(status: QueryStatus) -> bool:
    return state_of(status) in FINAL


def allowed(old: QueryStatus | None, new: QueryStatus) -> bool:
    """A new job (another task id) may only replace a final or absent one, and starts queued;
    the same job moves as the table above says."""
    if old is None or new.task_id != old.task_id:
        return (old is None or is_final(old)) and state_of(new) is JobState.QUEUED
    return state_of(new) in ALLOWED.get(state_of(old), frozenset())


Change = Callable[[QueryStatus | None], QueryStatus | None]


def transition(*, team_id: int, query_id: str, change: Change) -> tuple[QueryStatus | None, bool]:
    """Apply ``change`` to the stored status atomically; returns (status now stored, written).

    ``change`` sees the current status (None when absent or expired) and returns the new one, or
    None to leave it. A change the state machine does not allow is refused the same way. It may
    run more than once (when another writer got in first), so it must only compute.
    """

    def guarded(raw: object) -> str | None:
        current = _parse(raw)
        new = change(current)
        if new is None or not allowed(current, new):
            return None
        return new.model_dump_json()

    key = status_key(team_id, query_id)
    stored, written = update_cached(key, guarded, timeout=int(STATUS_TTL.total_seconds()))
    if written:
        forget_read_ahead(key)
    return _parse(stored), written


def _parse(raw: object) -> QueryStatus | None:
    if not isinstance(raw, str | bytes) or not raw:
        return None
    try:
        return QueryStatus.model_validate_json(raw)
    except ValueError:
        return None


def failed(status: QueryStatus | None, message: str) -> QueryStatus | None:
    """``status`` ended in error (cancelled when ``message`` is CANCELLED_MESSAGE)."""
    if status is None or is_final(status):
        return None
    return status.model_copy(
        update={
            "error": True,
            "error_message": message,
            "end_time": timezone.now(),
            "pickup_deadline": None,
        }
    )


def fail_job(*, team_id: int, query_id: str, error_message: str) -> bool:
    """Record a final failure for a job that will not run (e.g. retries exhausted); True if done."""
    _, written = transition(
        team_id=team_id, query_id=query_id, change=lambda s: failed(s, error_message)
    )
    return written
