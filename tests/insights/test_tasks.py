"""``insights.refresh_query``'s job runner on real Redis and Postgres, without a worker in between."""

from __future__ import annotations

import base64

import orjson
import psycopg
import pytest
import redis
from django.conf import settings
from django.utils import timezone

from insights.queries.enqueue import current_status
from insights.queries.execution import run_query
from insights.queries.job_runner import TEAM_SLOT_NAMESPACE
from insights.queries.job_runner import ClaimedElsewhere
from insights.queries.job_runner import TeamBusy
from insights.queries.job_runner import run_job
from insights.queries.job_state import GAVE_UP_MESSAGE
from insights.queries.job_state import fail_job
from insights.queries.job_store import claim_key
from insights.queries.status import delete_status
from insights.queries.status import load_status
from insights.queries.status import save_status
from insights.tasks import refresh_query
from tests.async_queries.helpers import worker_database_url
from tests.events import create_event

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-04"},
}


@pytest.fixture
def queue(settings):
    # Tasks sent by these tests go to a queue no worker listens on (the broker keeps a queue as a
    # Redis list named after it), deleted afterwards.
    name = f"unconsumed.{settings.REDIS_KEY_PREFIX}"
    broker = redis.Redis.from_url(settings.REDIS_URL)
    settings.INSIGHTS_REFRESH_QUEUE = name
    yield name
    broker.delete(name)


@pytest.fixture
def pending(team, queue):
    create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-02T10:00:00Z")
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="job")
    return "job"


def redis_client():
    return redis.Redis.from_url(settings.REDIS_URL)


def test_task_is_named_and_routed_to_its_own_queue_with_late_acks():
    assert refresh_query.name == "insights.refresh_query"
    assert refresh_query.queue == "insights_refresh"
    assert refresh_query.acks_late is True
    assert refresh_query.reject_on_worker_lost is True


def queued_messages(queue: str) -> list[dict]:
    return [orjson.loads(raw) for raw in redis_client().lrange(queue, 0, -1)]


def test_the_task_is_sent_by_name_with_the_time_limits_set_when_it_is_sent(team, queue, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 41
    settings.CELERY_TASK_TIME_LIMIT = 43
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="limits")

    (message,) = queued_messages(queue)
    assert message["headers"]["task"] == "insights.refresh_query"
    assert message["headers"]["timelimit"] == [43, 41]
    assert orjson.loads(base64.b64decode(message["body"]))[0] == [team.pk, "limits"]


def test_running_a_job_completes_it_and_a_second_delivery_does_nothing(team, pending):
    assert run_job(team_id=team.pk, query_id=pending) == "complete"
    status = current_status(team_id=team.pk, query_id=pending)
    assert status.complete is True

    assert run_job(team_id=team.pk, query_id=pending) == "already_done"
    assert current_status(team_id=team.pk, query_id=pending) == status


def test_a_job_redelivered_too_often_is_marked_failed_instead_of_running_again(
    team, pending, settings
):
    # Picked up as often as allowed already, by workers that all died.
    status = load_status(team_id=team.pk, query_id=pending)
    status.pickup_time = timezone.now()
    status.attempt = settings.QUERY_ASYNC_MAX_DELIVERIES
    save_status(status)

    assert run_job(team_id=team.pk, query_id=pending) == "gave_up"
    status = current_status(team_id=team.pk, query_id=pending)
    assert (status.error, status.error_message) == (True, GAVE_UP_MESSAGE)
    assert run_query(team=team, query=QUERY, refresh="force_cache")["results"] is None


def test_a_job_claimed_by_a_live_worker_is_left_to_it(team, pending, settings):
    redis_client().set(claim_key(team.pk, pending), "another-worker", px=60_000)

    with pytest.raises(ClaimedElsewhere):
        run_job(team_id=team.pk, query_id=pending)
    assert current_status(team_id=team.pk, query_id=pending).complete is False


def test_a_team_at_its_concurrency_cap_gets_no_new_slot(team, pending, settings):
    settings.QUERY_ASYNC_MAX_CONCURRENT_PER_TEAM = 2
    other = psycopg.connect(worker_database_url().replace("postgres://", "postgresql://", 1))
    try:
        for slot in range(2):
            other.execute("SELECT pg_advisory_lock(%s, %s)", [TEAM_SLOT_NAMESPACE + slot, team.pk])
        with pytest.raises(TeamBusy):
            run_job(team_id=team.pk, query_id=pending)
        other.execute("SELECT pg_advisory_unlock_all()")
    finally:
        other.close()
    assert run_job(team_id=team.pk, query_id=pending) == "complete"


def test_an_expired_job_is_skipped(team, pending):
    delete_status(team_id=team.pk, query_id=pending)
    assert run_job(team_id=team.pk, query_id=pending) == "expired"


def test_a_job_that_cannot_start_is_failed_once_and_stays_failed(team, pending):
    fail_job(team_id=team.pk, query_id=pending, error_message="busy")
    fail_job(team_id=team.pk, query_id=pending, error_message="other")
    status = current_status(team_id=team.pk, query_id=pending)
    assert (status.error, status.error_message) == (True, "busy")
    assert run_job(team_id=team.pk, query_id=pending) == "already_done"


def test_async_modes_compute_now_when_the_job_store_is_unreachable(team, queue, settings):
    create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-02T10:00:00Z")
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # the broker and job store; nothing listens

    response = run_query(team=team, query=QUERY, refresh="force_async", client_query_id="nojob")

    status = response["query_status"]
    assert status["complete"] is True
    assert status["error"] is False
    assert sum(status["results"]["results"][0]["data"]) == 1
