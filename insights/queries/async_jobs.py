"""Async engine queries on Celery: enqueue, run once, report status, cancel.

Usage (the engine's async modes)::

    status = enqueue_job(team=team, query=prepared.source, query_id=query_id,
                         client_query_id="abc")
    # -> QueryStatus(complete=False, task_id=...); the task runs after the transaction commits.

    current_status(team_id=team.pk, query_id=cache_key)  # what GET /query/<id>/ reports

The job (query JSON and ids) lives in Redis next to its status; the Celery task
(``insights.refresh_query``) only carries ``team_id`` and ``query_id``. Running a job:

1. A status that is already complete or failed (cancelled included) means a second delivery:
   do nothing. That is what makes ``acks_late`` safe.
2. Take a per-team slot (``pg_try_advisory_lock``, at most ``QUERY_ASYNC_MAX_CONCURRENT_PER_TEAM``
   per team). None free: the task retries later. PostgreSQL frees the slot itself if the worker
   process dies, so a crash never leaks capacity.
3. Claim the job with a heart-beaten Redis lock (``coalescing.flight.Flight``): only one worker
   runs it, and a worker that dies stops beating, which is how a lost job is detected.
4. Count deliveries outside the message; past ``QUERY_ASYNC_MAX_DELIVERIES`` the job is marked
   failed instead of being redelivered forever (``reject_on_worker_lost`` loop guard).
5. Run it with ``force_blocking`` (which writes the cache), and always write the final status.

A job picked up but no longer claimed (its worker died) is reported as failed by
``current_status``, so no job shows as "running" forever.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
import redis
from django.conf import settings
from django.db import connection
from django.db import transaction
from django.utils import timezone

from coalescing.flight import Flight
from coalescing.flight import FlightTiming
from coalescing.flight import Role
from insights.queries.status import CANCELLED_MESSAGE
from insights.queries.status import STATUS_TTL
from insights.queries.status import QueryStatus
from insights.queries.status import load_status
from insights.queries.status import new_status
from insights.queries.status import save_status
from posthog_api.models import Team
from posthog_api.redis_client import client_for

logger = logging.getLogger(__name__)

WORKER_LOST_MESSAGE = "The worker running this query stopped before it finished."
GAVE_UP_MESSAGE = "This query was abandoned after its worker stopped repeatedly."
FAILED_MESSAGE = "This query failed to compute."
NOT_QUEUED_MESSAGE = "This query could not be queued; please retry."
EXPIRED_MESSAGE = "This query expired before a worker picked it up."
# Session-level advisory locks are keyed (namespace + slot, team_id); the namespace keeps them
# apart from any other advisory lock in the database.
TEAM_SLOT_NAMESPACE = 0x51430000


class TeamBusy(Exception):
    """Every concurrent-query slot of the team is taken; try again shortly."""


class ClaimedElsewhere(Exception):
    """Another worker's claim is still alive (a duplicate delivery, or a dead worker's claim that
    has not expired yet); look again once it could have expired."""


@dataclass(frozen=True)
class Job:
    team_id: int
    query_id: str
    query: dict[str, Any]
    client_query_id: str | None = None
    user_id: int | None = None
    insight_id: int | None = None
    dashboard_id: int | None = None


def _redis() -> redis.Redis:
    return client_for(settings.REDIS_URL)


def _key(kind: str, team_id: int, ident: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}async_query:{kind}:{team_id}:{ident}"


def _ttl_seconds() -> int:
    return int(STATUS_TTL.total_seconds())


def _claim(team_id: int, query_id: str) -> Flight:
    return Flight(
        _redis(),
        prefix=f"{settings.REDIS_KEY_PREFIX}async_query:",
        key=f"{team_id}:{query_id}",
        timing=FlightTiming(heartbeat=settings.QUERY_ASYNC_HEARTBEAT_SECONDS),
    )


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

    A job with the same id that is still pending or running is returned as is, so identical
    async requests do not pile up tasks.
    """
    existing = current_status(team_id=team.pk, query_id=query_id)
    if existing is not None and not existing.complete and not existing.error:
        return existing
    job = Job(
        team_id=team.pk,
        query_id=query_id,
        query=query,
        client_query_id=client_query_id,
        user_id=getattr(user, "pk", None),
        insight_id=insight_id,
        dashboard_id=dashboard_id,
    )
    status = new_status(
        team_id=team.pk, query_id=query_id, insight_id=insight_id, dashboard_id=dashboard_id
    )
    status.task_id = uuid.uuid4().hex
    client = _redis()
    with client.pipeline() as pipe:
        pipe.set(_key("job", team.pk, query_id), orjson.dumps(asdict(job)), ex=_ttl_seconds())
        pipe.delete(_key("deliveries", team.pk, query_id))
        pipe.execute()
    # The status exists before the task can run, so the worker never races its own status.
    save_status(status)
    transaction.on_commit(partial(_send, team.pk, query_id, status.task_id))
    return status


def _send(team_id: int, query_id: str, task_id: str) -> None:
    from insights.tasks import refresh_query

    try:
        refresh_query.apply_async(
            args=(team_id, query_id), task_id=task_id, queue=settings.INSIGHTS_REFRESH_QUEUE
        )
    except Exception:
        # The broker refused the task: say so now rather than leave the job pending until expiry.
        logger.exception("Could not enqueue async query %s of team %s", query_id, team_id)
        fail_job(team_id=team_id, query_id=query_id, error_message=NOT_QUEUED_MESSAGE)


def load_job(*, team_id: int, query_id: str) -> Job | None:
    raw = _redis().get(_key("job", team_id, query_id))
    return Job(**orjson.loads(raw)) if raw else None


# --- status --------------------------------------------------------------------------------------


def current_status(*, team_id: int, query_id: str) -> QueryStatus | None:
    """The job's status, reporting a picked-up job whose worker vanished as failed."""
    return checked_status(
        load_status(team_id=team_id, query_id=query_id), team_id=team_id, query_id=query_id
    )


def checked_status(
    status: QueryStatus | None, *, team_id: int, query_id: str
) -> QueryStatus | None:
    """``current_status`` for a status already read (e.g. in the engine's cache ``MGET``).

    Costs a Redis round trip only for a picked-up job that is still running.
    """
    if status is None or status.complete or status.error or status.pickup_time is None:
        return status
    try:
        claimed = bool(_redis().exists(_claim(team_id, query_id).lock_key))
    except redis.RedisError:
        return status  # cannot tell; report what was stored rather than fail the poll
    if claimed:
        return status
    return status.model_copy(update={"error": True, "error_message": WORKER_LOST_MESSAGE})


def _finish(status: QueryStatus, *, error_message: str | None = None, results: Any = None) -> None:
    status.end_time = timezone.now()
    if error_message is None:
        status.complete = True
        status.results = results
    else:
        status.error = True
        status.error_message = error_message
    save_status(status)


def fail_job(*, team_id: int, query_id: str, error_message: str) -> None:
    """Record a final failure for a job that will not run (e.g. retries exhausted)."""
    status = load_status(team_id=team_id, query_id=query_id)
    if status is not None and not status.complete and not status.error:
        _finish(status, error_message=error_message)


# --- cancel --------------------------------------------------------------------------------------


def cancel_async_query(*, team_id: int, client_query_id: str) -> bool:
    """Mark the team's pending async job for ``client_query_id`` cancelled; True if there was one.

    A request's async job id is its ``client_query_id`` when it sent one (``execution.run_query``).
    A queued job is then skipped by its worker; a running one also has its statement cancelled by
    ``cancel.cancel_query`` and keeps this cancelled status. Nothing is cached either way.
    """
    status = load_status(team_id=team_id, query_id=client_query_id)
    if status is None or status.complete or status.error:
        return False
    _finish(status, error_message=CANCELLED_MESSAGE)
    return True


# --- run (inside the Celery task) ----------------------------------------------------------------


@contextmanager
def team_slot(team_id: int) -> Iterator[None]:
    """Hold one of the team's concurrent-query slots, or raise TeamBusy."""
    slots = settings.QUERY_ASYNC_MAX_CONCURRENT_PER_TEAM
    held: int | None = None
    with connection.cursor() as cursor:
        for slot in range(slots):
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [TEAM_SLOT_NAMESPACE + slot, team_id]
            )
            if cursor.fetchone()[0]:
                held = slot
                break
    if held is None:
        raise TeamBusy(f"Team {team_id} already runs {slots} async queries.")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [TEAM_SLOT_NAMESPACE + held, team_id]
            )


def run_job(*, team_id: int, query_id: str) -> str:
    """Run one delivery of the job; returns what happened (for logs and tests)."""
    status = load_status(team_id=team_id, query_id=query_id)
    if status is None:
        return "expired"
    if status.complete or status.error:
        return "already_done"
    job = load_job(team_id=team_id, query_id=query_id)
    if job is None:
        _finish(status, error_message=EXPIRED_MESSAGE)
        return "expired"
    with team_slot(team_id):
        claim = _claim(team_id, query_id)
        if claim.join() is not Role.LEADER:
            raise ClaimedElsewhere(query_id)
        try:
            deliveries = _redis().incr(_key("deliveries", team_id, query_id))
            _redis().expire(_key("deliveries", team_id, query_id), _ttl_seconds())
            if deliveries > settings.QUERY_ASYNC_MAX_DELIVERIES:
                _finish(status, error_message=GAVE_UP_MESSAGE)
                return "gave_up"
            with claim.heartbeat():
                return _execute(job, status)
        finally:
            claim.release()


def _execute(job: Job, status: QueryStatus) -> str:
    from insights.queries.execution import calculate_and_cache
    from insights.queries.execution import prepare

    status.pickup_time = timezone.now()
    save_status(status)
    try:
        team = Team.objects.get(pk=job.team_id)
        prepared = prepare(team=team, query=job.query, client_query_id=job.client_query_id)
        if _latest(status).error:
            return "cancelled"  # cancelled between pickup and start
        # Writes the cache on success; a cancelled or timed-out statement caches nothing.
        response = calculate_and_cache(prepared)
    except Exception:
        logger.exception("Async query %s of team %s failed", job.query_id, job.team_id)
        _finish(_latest(status), error_message=FAILED_MESSAGE)
        return "failed"
    latest = _latest(status)
    if latest.error:
        return "cancelled"
    failure = response.get("query_status")
    if isinstance(failure, dict) and failure.get("error"):
        message = str(failure.get("error_message") or FAILED_MESSAGE)
        _finish(latest, error_message=message)
        return "cancelled" if message == CANCELLED_MESSAGE else "failed"
    _finish(latest, results={k: v for k, v in response.items() if k != "query_status"})
    return "complete"


def _latest(status: QueryStatus) -> QueryStatus:
    return load_status(team_id=status.team_id, query_id=status.id) or status


def _user(user_id: int | None) -> Any:
    if user_id is None:
        return None
    from posthog_api.models import User

    return User.objects.filter(pk=user_id).first()
