"""A FunnelsQuery refreshed asynchronously completes on a real worker with the blocking result."""

from __future__ import annotations

import pytest

from insights.queries.db import application_name
from insights.queries.status import CANCELLED_MESSAGE
from tests.async_queries.helpers import tagged_backends
from tests.async_queries.test_worker import deliveries
from tests.async_queries.test_worker import finished
from tests.async_queries.test_worker import wait_for
from tests.funnel_fixture import FUNNEL
from tests.funnel_fixture import create_funnel_events
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def funnel_events(team):
    create_funnel_events(team)


def test_async_funnel_over_http_completes_on_the_worker_with_the_blocking_result(
    celery_worker, team, funnel_events, api_client
):
    celery_worker()
    started = api_client.post(
        f"/api/projects/{team.id}/query/",
        {"query": FUNNEL, "refresh": "force_async", "client_query_id": "funnel-1"},
        format="json",
    )
    assert started.status_code == 200
    assert started.json()["query_status"]["complete"] is False
    poll_url = f"/api/projects/{team.id}/query/funnel-1/"

    def polled_complete() -> bool:
        return api_client.get(poll_url).json()["query_status"]["complete"]

    wait_for(polled_complete, "the funnel poll to report completion")
    status = api_client.get(poll_url).json()["query_status"]
    assert status["error"] is False
    async_results = status["results"]["results"]
    assert [step["count"] for step in async_results] == [2, 1]

    blocking = api_client.post(
        f"/api/projects/{team.id}/query/",
        {"query": FUNNEL, "refresh": "force_blocking"},
        format="json",
    )
    assert blocking.status_code == 200
    assert blocking.json()["results"] == async_results


def start(api_client, team, client_query_id: str):
    response = api_client.post(
        f"/api/projects/{team.id}/query/",
        {"query": FUNNEL, "refresh": "force_async", "client_query_id": client_query_id},
        format="json",
    )
    assert response.status_code == 200
    return response.json()


def test_cancelling_a_running_async_funnel_records_cancelled_and_caches_nothing(
    celery_worker, team, funnel_events, table_lock, api_client
):
    celery_worker()
    start(api_client, team, "funnel-cancel")
    tag = application_name(team_id=team.pk, client_query_id="funnel-cancel")
    wait_for(lambda: tagged_backends(tag) == 1, "the worker's funnel statement to be running")

    reply = api_client.post(
        f"/api/projects/{team.id}/insights/cancel/", {"client_query_id": "funnel-cancel"}
    )
    table_lock()

    assert reply.status_code == 201
    status = finished(team, "funnel-cancel")
    assert status.error is True
    assert status.error_message == CANCELLED_MESSAGE
    cached = api_client.post(
        f"/api/projects/{team.id}/query/",
        {"query": FUNNEL, "refresh": "force_cache"},
        format="json",
    )
    assert cached.json()["results"] is None


def test_an_identical_pending_async_funnel_joins_the_existing_job(
    celery_worker, team, funnel_events, api_client
):
    first = start(api_client, team, "funnel-same")
    second = start(api_client, team, "funnel-same")
    assert first["query_status"]["task_id"] == second["query_status"]["task_id"]
    celery_worker()
    assert finished(team, "funnel-same").complete is True
    assert deliveries(team, "funnel-same") == 1


def test_a_saved_funnel_insight_refreshed_async_serves_the_blocking_result(
    celery_worker, team, owner, funnel_events, api_client
):
    insight = make_insight(
        team=team, user=owner, query={"kind": "InsightVizNode", "source": FUNNEL}
    )
    url = f"/api/projects/{team.id}/insights/{insight.id}/"
    celery_worker()
    started = api_client.get(url, {"refresh": "async"})
    assert started.status_code == 200
    query_id = started.json()["query_status"]["id"]
    assert finished(team, query_id).complete is True

    cached = api_client.get(url, {"refresh": "force_cache"}).json()["result"]
    blocking = api_client.get(url, {"refresh": "force_blocking"}).json()["result"]
    assert [step["count"] for step in cached] == [2, 1]
    assert cached == blocking
