"""The async job's state machine on real Redis and Postgres, with no worker running: a pickup
deadline, a dead worker noticed by a poll, and final states that stay final."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from insights.queries.enqueue import cancel_async_query
from insights.queries.enqueue import checked_status
from insights.queries.enqueue import current_status
from insights.queries.execution import run_query
from insights.queries.job_runner import run_job
from insights.queries.job_state import WORKER_LOST_MESSAGE
from insights.queries.job_state import JobState
from insights.queries.job_state import state_of
from insights.queries.job_store import claim_key
from insights.queries.status import CANCELLED_MESSAGE
from insights.queries.status import QueryStatus
from insights.queries.status import load_status
from insights.queries.status import save_status
from tests.events import create_event

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-04"},
}


@pytest.fixture
def queued(team, unconsumed_queue):
    create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-02T10:00:00Z")
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="job")
    return "job"


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """A synchronisation point on real state, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def picked_up_by_a_worker_that_died(team, query_id: str) -> None:
    """Attempt 1 made the job running, then its process vanished (it holds no claim)."""
    status = load_status(team_id=team.pk, query_id=query_id)
    status.pickup_time = timezone.now()
    status.attempt = 1
    status.pickup_deadline = None  # a pickup clears the queued job's deadline
    save_status(status)


def test_a_job_no_worker_picks_up_is_failed_with_a_message_a_client_can_act_on(
    team, queued, api_client, settings
):
    settings.QUERY_PICKUP_TIMEOUT_SECONDS = 1.0
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="late")
    poll_url = f"/api/projects/{team.id}/query/late/"

    wait_for(lambda: api_client.get(poll_url).json()["query_status"]["error"], "the deadline")

    status = api_client.get(poll_url).json()["query_status"]
    assert status["complete"] is False
    assert status["pickup_time"] is None
    assert status["error_message"] == (
        "No worker picked up this query within 1 s; "
        "retry with refresh=blocking or check the workers."
    )
    assert "pickup_deadline" not in status
    assert "attempt" not in status
    # A worker that finally gets the task does not run it, and the failure stays.
    assert run_job(team_id=team.pk, query_id="late") == "already_done"
    assert api_client.get(poll_url).json()["query_status"] == status


def test_a_worker_picking_a_job_up_past_its_deadline_fails_it_instead_of_running_it(
    team, unconsumed_queue, settings
):
    create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-02T10:00:00Z")
    settings.QUERY_PICKUP_TIMEOUT_SECONDS = 1.0
    response = run_query(team=team, query=QUERY, refresh="force_async", client_query_id="late")
    deadline = load_status(team_id=team.pk, query_id="late").pickup_deadline
    assert response["query_status"]["error"] is False
    wait_for(lambda: timezone.now() > deadline, "the deadline to pass (nobody polls)")

    assert run_job(team_id=team.pk, query_id="late") == "too_late"

    status = current_status(team_id=team.pk, query_id="late")
    assert (status.error, status.pickup_time) == (True, None)
    assert status.error_message.startswith("No worker picked up this query within 1 s")
    assert run_query(team=team, query=QUERY, refresh="force_cache")["results"] is None


def test_a_queued_job_within_its_deadline_is_still_just_queued(team, queued):
    status = current_status(team_id=team.pk, query_id=queued)
    assert state_of(status) is JobState.QUEUED
    assert run_job(team_id=team.pk, query_id=queued) == "complete"


def test_a_dead_workers_job_reads_running_and_a_retry_completes_it(team, queued):
    picked_up_by_a_worker_that_died(team, queued)

    polled = current_status(team_id=team.pk, query_id=queued)
    assert state_of(polled) is JobState.RUNNING  # not failed: a redelivery may yet run it

    assert run_job(team_id=team.pk, query_id=queued) == "complete"
    status = current_status(team_id=team.pk, query_id=queued)
    assert (status.complete, status.error, status.attempt) == (True, False, 2)


def test_a_dead_workers_job_nobody_takes_over_fails_for_good(team, queued, settings):
    settings.QUERY_PICKUP_TIMEOUT_SECONDS = 0.2
    picked_up_by_a_worker_that_died(team, queued)
    current_status(team_id=team.pk, query_id=queued)  # the poll that notices the dead worker

    wait_for(lambda: current_status(team_id=team.pk, query_id=queued).error, "the deadline")
    failed = current_status(team_id=team.pk, query_id=queued)
    assert failed.error_message == WORKER_LOST_MESSAGE

    # The late redelivery must not flip a status the client already read as final.
    assert run_job(team_id=team.pk, query_id=queued) == "already_done"
    assert current_status(team_id=team.pk, query_id=queued) == failed


def test_a_poll_racing_the_workers_finish_never_reports_the_worker_lost(team, queued):
    # The poll read "running" (claimed) just before the worker saved "complete" and let go of its
    # claim; it then finds no claim. That is a finished job, not a dead worker.
    client = redis.Redis.from_url(settings.REDIS_URL)
    picked_up_by_a_worker_that_died(team, queued)
    client.set(claim_key(team.pk, queued), "worker", px=60_000)
    read_by_the_poll = load_status(team_id=team.pk, query_id=queued)
    done = read_by_the_poll.model_copy(update={"complete": True, "results": {"results": []}})
    save_status(done)
    client.delete(claim_key(team.pk, queued))

    reported = checked_status(read_by_the_poll, team_id=team.pk, query_id=queued)

    assert (reported.complete, reported.error) == (True, False)


def test_a_cancelled_job_stays_cancelled_whatever_comes_later(team, queued):
    picked_up_by_a_worker_that_died(team, queued)
    assert cancel_async_query(team_id=team.pk, client_query_id=queued) is True
    assert cancel_async_query(team_id=team.pk, client_query_id=queued) is False

    assert run_job(team_id=team.pk, query_id=queued) == "already_done"
    status: QueryStatus = current_status(team_id=team.pk, query_id=queued)
    assert (status.error, status.error_message) == (True, CANCELLED_MESSAGE)
    assert state_of(status) is JobState.CANCELLED


def test_a_new_request_after_a_final_status_starts_a_new_job(team, queued):
    cancel_async_query(team_id=team.pk, client_query_id=queued)
    first = load_status(team_id=team.pk, query_id=queued)

    again = run_query(team=team, query=QUERY, refresh="force_async", client_query_id=queued)

    assert again["query_status"]["task_id"] != first.task_id
    assert state_of(current_status(team_id=team.pk, query_id=queued)) is JobState.QUEUED
