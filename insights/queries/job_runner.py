"""The worker side of async jobs: team slots, the claim, running one delivery of a job.

Called by the Celery task ``insights.refresh_query`` (``insights/tasks.py``)::

    outcome = run_job(team_id=1, query_id="abc")  # "complete", "failed", "already_done", ...

Running a job:

1. A status that is already final (complete, error, cancelled) means a second delivery: do
   nothing. That is what makes ``acks_late`` safe.
2. Take a per-team slot (``pg_try_advisory_lock``, at most ``QUERY_ASYNC_MAX_CONCURRENT_PER_TEAM``
   per team). None free: ``TeamBusy``, the task retries later. PostgreSQL frees the slot itself
   if the worker process dies, so a crash never leaks capacity.
3. Claim the job (a Redis key holding our token, kept alive by a heartbeat): only one process
   runs it, and one that dies stops beating, which is how readers see a lost worker. A live
   claim of someone else: ``ClaimedElsewhere``, look again once it could have expired.
4. Pick it up: ``queued``/``running`` -> ``running`` as attempt N+1 (``job_state.transition``).
   Refused when the status is final by then, its pickup deadline has passed (failed instead: a
   late worker never revives a job a client was told failed), or ``QUERY_ASYNC_MAX_DELIVERIES``
   attempts ran already (failed instead of redelivered forever).
5. Compute with ``execution.calculate_and_cache`` (which writes the cache), then record the
   outcome, only while the job is still this attempt's and not final (a cancel wins).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from insights.queries.execution import calculate_and_cache
from insights.queries.execution import prepare
from insights.queries.job_state import EXPIRED_MESSAGE
from insights.queries.job_state import FAILED_MESSAGE
from insights.queries.job_state import GAVE_UP_MESSAGE
from insights.queries.job_state import WORKER_LOST_MESSAGE
from insights.queries.job_state import JobState
from insights.queries.job_state import fail_job
from insights.queries.job_state import failed
from insights.queries.job_state import is_final
from insights.queries.job_state import not_picked_up_message
from insights.queries.job_state import state_of
from insights.queries.job_state import transition
from insights.queries.job_store import Job
from insights.queries.job_store import claim_key
from insights.queries.job_store import job_redis
from insights.queries.job_store import load_job
from insights.queries.status import CANCELLED_MESSAGE
from insights.queries.status import QueryStatus
from insights.queries.status import load_status
from posthog_api.heartbeat import beating
from posthog_api.models import Team

logger = logging.getLogger(__name__)

# Session-level advisory locks are keyed (namespace + slot, team_id); the namespace keeps them
# apart from any other advisory lock in the database.
TEAM_SLOT_NAMESPACE = 0x51430000
# A busy team is looked at again this soon; a live claim once it could have expired.
BUSY_RETRY_SECONDS = 2


class TeamBusy(Exception):
    """Every concurrent-query slot of the team is taken; try again shortly."""


class ClaimedElsewhere(Exception):
    """Another process's claim is still alive (a duplicate delivery, or a dead worker's claim that
    has not expired yet); look again once it could have expired."""


def retry_countdown(exc: Exception) -> int:
    if isinstance(exc, TeamBusy):
        return BUSY_RETRY_SECONDS
    return max(BUSY_RETRY_SECONDS, int(3 * settings.QUERY_ASYNC_HEARTBEAT_SECONDS))


# --- slots and claim -----------------------------------------------------------------------------


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


# KEYS: claim. ARGV: token, ttl_ms. Extend our claim, or take it back if it lapsed while nobody
# else took it (a heartbeat that stalled under load must not orphan a job that is still running).
_BEAT = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if not holder then return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) and 1 or 0 end
return 0
"""

# KEYS: claim. ARGV: token.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Claim:
    """One process's hold on a job; expires three heartbeats after its holder stops beating."""

    def __init__(self, team_id: int, query_id: str) -> None:
        self.client = job_redis()
        self.key = claim_key(team_id, query_id)
        self.token = secrets.token_hex(16)
        self.heartbeat = settings.QUERY_ASYNC_HEARTBEAT_SECONDS
        self.ttl_ms = int(self.heartbeat * 3 * 1000)

    def acquire(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)

    def beating(self) -> AbstractContextManager[None]:
        return beating(self._beat, interval=self.heartbeat, name="job-claim")

    def _beat(self) -> bool:
        try:
            # False: someone else holds it now; our outcome write will be refused.
            return bool(self.client.eval(_BEAT, 1, self.key, self.token, self.ttl_ms) == 1)
        except redis.RedisError:
            return True  # transient: the next beat retries before the claim can lapse


# --- run -----------------------------------------------------------------------------------------


def run_job(*, team_id: int, query_id: str) -> str:
    """Run one delivery of the job; returns what happened (for logs and tests)."""
    status = load_status(team_id=team_id, query_id=query_id)
    if status is None:
        return "expired"
    if is_final(status):
        return "already_done"
    job = load_job(team_id=team_id, query_id=query_id)
    if job is None:
        fail_job(team_id=team_id, query_id=query_id, error_message=EXPIRED_MESSAGE)
        return "expired"
    with team_slot(team_id):
        claim = Claim(team_id, query_id)
        if not claim.acquire():
            raise ClaimedElsewhere(query_id)
        try:
            picked = _pick_up(team_id=team_id, query_id=query_id)
            if isinstance(picked, str):
                return picked
            with claim.beating():
                return _execute(job, attempt=picked.attempt)
        finally:
            claim.release()


def _pick_up(*, team_id: int, query_id: str) -> QueryStatus | str:
    """Make the job ``running`` as our attempt; or the reason we must not run it."""

    def pick(current: QueryStatus | None) -> QueryStatus | None:
        if current is None or is_final(current):
            return None
        now = timezone.now()
        if current.pickup_deadline is not None and now > current.pickup_deadline:
            late = state_of(current) is JobState.QUEUED
            return failed(current, not_picked_up_message() if late else WORKER_LOST_MESSAGE)
        if current.attempt >= settings.QUERY_ASYNC_MAX_DELIVERIES:
            return failed(current, GAVE_UP_MESSAGE)
        return current.model_copy(
            update={"pickup_time": now, "attempt": current.attempt + 1, "pickup_deadline": None}
        )

    status, written = transition(team_id=team_id, query_id=query_id, change=pick)
    if status is None:
        return "expired"
    if not written:
        return "already_done"
    if state_of(status) is JobState.RUNNING:
        return status
    return "gave_up" if status.error_message == GAVE_UP_MESSAGE else "too_late"


def postpone_deadline(*, team_id: int, query_id: str, seconds: float) -> None:
    """A worker has the job but must wait ``seconds`` (team busy, claim not yet expired): the job
    is not lost, so its pickup deadline moves past that wait (a poll that notices the dead
    claim meanwhile then leaves it to this retry)."""

    def postpone(current: QueryStatus | None) -> QueryStatus | None:
        if current is None or is_final(current):
            return None
        later = timezone.now() + timedelta(seconds=seconds + settings.QUERY_PICKUP_TIMEOUT_SECONDS)
        if current.pickup_deadline is not None and later <= current.pickup_deadline:
            return None
        return current.model_copy(update={"pickup_deadline": later})

    transition(team_id=team_id, query_id=query_id, change=postpone)


def _execute(job: Job, *, attempt: int) -> str:
    try:
        team = Team.objects.get(pk=job.team_id)
        prepared = prepare(team=team, query=job.query, client_query_id=job.client_query_id)
        if not _still_ours(job, attempt):
            return "cancelled"  # cancelled (or taken over) between pickup and start
        # Writes the cache on success; a cancelled or timed-out statement caches nothing.
        response = calculate_and_cache(prepared)
    except Exception:
        logger.exception("Async query %s of team %s failed", job.query_id, job.team_id)
        return _record(job, attempt=attempt, error_message=FAILED_MESSAGE)
    failure = response.get("query_status")
    if isinstance(failure, dict) and failure.get("error"):
        message = str(failure.get("error_message") or FAILED_MESSAGE)
        return _record(job, attempt=attempt, error_message=message)
    results = {k: v for k, v in response.items() if k != "query_status"}
    return _record(job, attempt=attempt, results=results)


def _still_ours(job: Job, attempt: int) -> bool:
    current = load_status(team_id=job.team_id, query_id=job.query_id)
    return current is not None and _is_ours(current, attempt)


def _is_ours(status: QueryStatus, attempt: int) -> bool:
    return state_of(status) is JobState.RUNNING and status.attempt == attempt


def _record(
    job: Job, *, attempt: int, error_message: str | None = None, results: Any = None
) -> str:
    """Write this attempt's outcome, unless the job is no longer ours (a cancel is final)."""

    def finish(current: QueryStatus | None) -> QueryStatus | None:
        if current is None or not _is_ours(current, attempt):
            return None
        if error_message is not None:
            return failed(current, error_message)
        return current.model_copy(
            update={"complete": True, "results": results, "end_time": timezone.now()}
        )

    status, written = transition(team_id=job.team_id, query_id=job.query_id, change=finish)
    if not written or status is None:
        final = status is not None and state_of(status) is JobState.CANCELLED
        return "cancelled" if final else "superseded"
    if status.complete:
        return "complete"
    return "cancelled" if status.error_message == CANCELLED_MESSAGE else "failed"
