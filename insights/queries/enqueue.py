"""The web side of async jobs: enqueue, report status, cancel. Never imports the worker side.

Usage::

    status = enqueue_job(team=team, query=prepared.source, query_id="abc", client_query_id="abc")
    # -> QueryStatus(complete=False, task_id=...); the task is sent after the transaction commits.

    current_status(team_id=team.pk, query_id="abc")  # what GET /query/<id>/ reports

The task is sent by name (``job_store.REFRESH_TASK``) on queue ``INSIGHTS_REFRESH_QUEUE``; the
worker side (``job_runner.py``, called by ``insights/tasks.py``) runs it. States and transitions
are in ``job_state.py``; reading a status also settles what time alone decides (a pickup deadline
passed, a dead worker's claim gone), so a client is never left with a job silently pending.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from insights.queries.job_state import NOT_QUEUED_MESSAGE
from insights.queries.job_state import WORKER_LOST_MESSAGE
from insights.queries.job_state import JobState
from insights.queries.job_state import fail_job
from insights.queries.job_state import failed
from insights.queries.job_state import is_final
from insights.queries.job_state import not_picked_up_message
from insights.queries.job_state import state_of
from insights.queries.job_state import transition
from insights.queries.job_store import REFRESH_TASK
from insights.queries.job_store import Job
from insights.queries.job_store import is_claimed
from insights.queries.job_store import save_job
from insights.queries.status import CANCELLED_MESSAGE
from insights.queries.status import QueryStatus
from insights.queries.status import load_status
from insights.queries.status import new_status
from posthog_api.models import Team

logger = logging.getLogger(__name__)


def pickup_window() -> timedelta:
    return timedelta(seconds=settings.QUERY_PICKUP_TIMEOUT_SECONDS)


# --- enqueue -------------------------------------------------------------------------------------


def enqueue_job(
    *,
    team: Team,
    query: dict[str, Any],
    query_id: str,
    client_query_id: str | None = None,
    user: Any = None,
    insight_id: int | None = None,
    dashboard_id: int | None = None,
) -> QueryStatus:
    """Start (or join) the async computation of ``query``; returns its status right away.

    A job with the same id that is still queued or running is returned as is, so identical
    async requests do not pile up tasks. Raises ``redis.RedisError`` if Redis is unreachable.
    """
    existing = current_status(team_id=team.pk, query_id=query_id)
    if existing is not None and not is_final(existing):
        return existing
    # Written first: the status below makes the job visible, and the task needs its query.
    save_job(
        Job(
            team_id=team.pk,
            query_id=query_id,
            query=query,
            client_query_id=client_query_id,
            user_id=getattr(user, "pk", None),
            insight_id=insight_id,
            dashboard_id=dashboard_id,
        )
    )
    fresh = new_status(
        team_id=team.pk, query_id=query_id, insight_id=insight_id, dashboard_id=dashboard_id
    )
    fresh.task_id = uuid.uuid4().hex
    fresh.pickup_deadline = fresh.start_time + pickup_window() if fresh.start_time else None

    def create(current: QueryStatus | None) -> QueryStatus | None:
        return fresh if current is None or is_final(current) else None  # else join it

    status, created = transition(team_id=team.pk, query_id=query_id, change=create)
    if not created or status is None:
        return status or fresh
    transaction.on_commit(partial(_send, team.pk, query_id, fresh.task_id))
    return status


def _send(team_id: int, query_id: str, task_id: str) -> None:
    try:
        current_app.send_task(
            REFRESH_TASK,
            args=(team_id, query_id),
            task_id=task_id,
            queue=settings.INSIGHTS_REFRESH_QUEUE,
            soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
            time_limit=settings.CELERY_TASK_TIME_LIMIT,
        )
    except Exception:
        # The broker refused the task: say so now rather than leave the job pending.
        logger.exception("Could not enqueue async query %s of team %s", query_id, team_id)
        fail_job(team_id=team_id, query_id=query_id, error_message=NOT_QUEUED_MESSAGE)


# --- status --------------------------------------------------------------------------------------


def current_status(*, team_id: int, query_id: str) -> QueryStatus | None:
    """The job's status, with what time alone decides applied (see ``checked_status``)."""
    return checked_status(
        load_status(team_id=team_id, query_id=query_id), team_id=team_id, query_id=query_id
    )


def checked_status(
    status: QueryStatus | None, *, team_id: int, query_id: str
) -> QueryStatus | None:
    """``current_status`` for a status already read (e.g. in the engine's cache ``MGET``).

    - queued past its pickup deadline: failed, "No worker picked up this query within N s".
    - running but unclaimed (its worker died): the deadline for another attempt to take it over
      is noted; past it, failed ("The worker running this query stopped ..."). Until then it
      still reads as running, because a redelivery may yet run it: it never reads as failed and
      then running again.

    Only a running job costs a Redis round trip (the claim); a change is a compare-and-set.
    """
    if status is None or is_final(status):
        return status
    claimed = partial(is_claimed, team_id=team_id, query_id=query_id)
    try:
        if _settled(status, claimed=claimed) is None:
            return status
        settled, _ = transition(
            team_id=team_id, query_id=query_id, change=partial(_settled, claimed=claimed)
        )
    except redis.RedisError:
        return status  # cannot tell; report what was stored rather than fail the poll
    return settled


def _settled(status: QueryStatus | None, *, claimed: Callable[[], bool]) -> QueryStatus | None:
    """What ``status`` becomes now, given the clock and the claim; None when nothing changes."""
    if status is None or is_final(status):
        return None
    now = timezone.now()
    deadline = status.pickup_deadline
    if state_of(status) is JobState.QUEUED:
        return failed(status, not_picked_up_message()) if deadline and now > deadline else None
    if claimed():
        # Alive (again): a deadline noted during a stalled heartbeat no longer applies.
        return status.model_copy(update={"pickup_deadline": None}) if deadline else None
    if deadline is None:
        return status.model_copy(update={"pickup_deadline": now + pickup_window()})
    return failed(status, WORKER_LOST_MESSAGE) if now > deadline else None


# --- cancel --------------------------------------------------------------------------------------


def cancel_async_query(*, team_id: int, client_query_id: str) -> bool:
    """Mark the team's pending async job for ``client_query_id`` cancelled; True if there was one.

    A request's async job id is its ``client_query_id`` when it sent one (``execution.run_query``).
    A queued job is then skipped by its worker; a running one also has its statement cancelled by
    ``cancel.cancel_query`` and keeps this cancelled status (final). Nothing is cached either way.
    """
    return fail_job(team_id=team_id, query_id=client_query_id, error_message=CANCELLED_MESSAGE)
