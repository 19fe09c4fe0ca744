"""Async refreshes on a real Celery worker: enqueue on commit, complete, cancel, worker death."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from insights.queries.db import application_name
from insights.queries.enqueue import current_status
from insights.queries.execution import run_query
from insights.queries.job_state import WORKER_LOST_MESSAGE
from insights.queries.status import CANCELLED_MESSAGE
from insights.queries.status import QueryStatus
from insights.queries.status import load_status
from tests.async_queries.helpers import tagged_backends
from tests.events import create_event

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-04"},
}


@pytest.fixture
def events(team):
    for day in ("02", "03", "03"):
        create_event(
            team=team, event="$pageview", distinct_id="u1", timestamp=f"2024-01-{day}T10:00:00Z"
        )


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 300) -> None:
    """A synchronisation point on real state, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def finished(team, query_id: str) -> QueryStatus:
    holder: list[QueryStatus] = []

    def done() -> bool:
        status = current_status(team_id=team.pk, query_id=query_id)
        if status is not None and (status.complete or status.error):
            holder.append(status)
            return True
        return False

    wait_for(done, f"job {query_id} to finish")
    return holder[-1]


def deliveries(team, query_id: str) -> int:
    """How many runs picked the job up (its attempt number), read without settling anything."""
    status = load_status(team_id=team.pk, query_id=query_id)
    return status.attempt if status is not None else 0


def test_force_async_returns_a_pending_status_and_the_worker_completes_and_caches(
    celery_worker, team, events
):
    celery_worker()
    response = run_query(team=team, query=QUERY, refresh="force_async", client_query_id="job-1")

    pending = response["query_status"]
    assert response["results"] is None
    assert (pending["id"], pending["complete"], pending["error"]) == ("job-1", False, False)
    assert pending["task_id"]
    status = finished(team, "job-1")
    assert status.complete is True
    assert status.error is False
    assert status.pickup_time is not None
    assert status.end_time is not None
    assert status.task_id == pending["task_id"]
    cached = run_query(team=team, query=QUERY, refresh="force_cache")
    assert cached["is_cached"] is True
    assert cached["results"] == status.results["results"]
    assert sum(cached["results"][0]["data"]) == 3
    assert deliveries(team, "job-1") == 1


def test_an_identical_pending_async_request_joins_the_existing_job(team, events, celery_worker):
    first = run_query(team=team, query=QUERY, refresh="force_async", client_query_id="same")
    second = run_query(team=team, query=QUERY, refresh="force_async", client_query_id="same")

    assert second["query_status"]["task_id"] == first["query_status"]["task_id"]
    celery_worker()
    assert finished(team, "same").complete is True
    assert deliveries(team, "same") == 1


def test_cancelling_a_running_async_query_records_cancelled_and_caches_nothing(
    celery_worker, team, events, table_lock, api_client
):
    celery_worker()
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="to-cancel")
    tag = application_name(team_id=team.pk, client_query_id="to-cancel")
    wait_for(lambda: tagged_backends(tag) == 1, "the worker's statement to be running")

    reply = api_client.post(
        f"/api/projects/{team.id}/insights/cancel/", {"client_query_id": "to-cancel"}
    )
    table_lock()

    assert reply.status_code == 201
    status = finished(team, "to-cancel")
    assert status.error is True
    assert status.error_message == CANCELLED_MESSAGE
    assert run_query(team=team, query=QUERY, refresh="force_cache")["results"] is None


def test_cancelling_a_queued_async_query_means_it_never_runs(
    celery_worker, team, events, api_client
):
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="queued")
    reply = api_client.post(
        f"/api/projects/{team.id}/insights/cancel/", {"client_query_id": "queued"}
    )
    assert reply.status_code == 201

    celery_worker()
    # A later job on the same queue finishing proves the cancelled one was taken off first.
    run_query(
        team=team,
        query={**QUERY, "interval": "week"},
        refresh="force_async",
        client_query_id="after",
    )
    assert finished(team, "after").complete is True
    status = current_status(team_id=team.pk, query_id="queued")
    assert status is not None
    assert status.error_message == CANCELLED_MESSAGE
    assert status.pickup_time is None
    assert deliveries(team, "queued") == 0
    assert run_query(team=team, query=QUERY, refresh="force_cache")["results"] is None


def test_a_task_whose_process_is_killed_mid_query_is_run_again_once(
    celery_worker, team, events, table_lock
):
    worker = celery_worker()
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="crashy")
    tag = application_name(team_id=team.pk, client_query_id="crashy")
    wait_for(lambda: tagged_backends(tag) == 1, "the first run's statement")

    worker.kill_pool_child()
    # reject_on_worker_lost puts the message back; the re-run waits for the dead claim to expire.
    # A client polls all along: it must see "running" until the re-run is done, never "failed"
    # first (a status that reads final stays final).
    seen: list[tuple[bool, bool]] = []

    def polled_until_rerun() -> bool:
        status = current_status(team_id=team.pk, query_id="crashy")
        seen.append((status.complete, status.error))
        return deliveries(team, "crashy") == 2

    wait_for(polled_until_rerun, "the redelivered run")
    table_lock()

    status = finished(team, "crashy")
    assert set(seen) == {(False, False)}
    assert status.complete is True
    assert status.error is False
    assert sum(status.results["results"][0]["data"]) == 3
    assert deliveries(team, "crashy") == 2


def test_a_job_whose_whole_worker_died_is_reported_failed_not_running_forever(
    celery_worker, team, events, table_lock, settings
):
    worker = celery_worker()
    # How long after a poll notices the dead claim the job is given up (no worker is left).
    settings.QUERY_PICKUP_TIMEOUT_SECONDS = 4.0
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="orphan")
    tag = application_name(team_id=team.pk, client_query_id="orphan")
    wait_for(lambda: tagged_backends(tag) == 1, "the statement to be running")
    assert current_status(team_id=team.pk, query_id="orphan").error is False

    worker.kill()

    status = finished(team, "orphan")
    assert status.error is True
    assert status.error_message == WORKER_LOST_MESSAGE
    assert status.complete is False


def test_async_query_over_http_is_polled_until_complete(
    celery_worker, team, events, api_client, outsider_client, api_client_for, owner
):
    celery_worker()
    started = api_client.post(
        f"/api/projects/{team.id}/query/",
        {"query": QUERY, "refresh": "force_async", "client_query_id": "http-1"},
    )
    assert started.status_code == 200
    assert started.json()["query_status"]["complete"] is False
    poll_url = f"/api/projects/{team.id}/query/http-1/"

    def polled_complete() -> bool:
        return api_client.get(poll_url).json()["query_status"]["complete"]

    wait_for(polled_complete, "the poll to report completion")
    status = api_client.get(poll_url).json()["query_status"]
    assert status["error"] is False
    assert sum(status["results"]["results"][0]["data"]) == 3
    assert outsider_client.get(poll_url).status_code == 404
    no_scope = api_client_for(owner, scopes=["insight:read"]).get(poll_url)
    assert no_scope.status_code == 403
    assert api_client.get(f"/api/projects/{team.id}/query/unknown/").status_code == 404
