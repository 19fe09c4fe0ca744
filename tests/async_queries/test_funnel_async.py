"""A FunnelsQuery refreshed asynchronously completes on a real worker with the blocking result."""

from __future__ import annotations

import pytest

from tests.async_queries.test_worker import wait_for
from tests.events import create_event

pytestmark = pytest.mark.django_db(transaction=True)

FUNNEL = {
    "kind": "FunnelsQuery",
    "series": [
        {"kind": "EventsNode", "event": "$pageview"},
        {"kind": "EventsNode", "event": "signup"},
    ],
    "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-31"},
}


@pytest.fixture
def funnel_events(team):
    # u1 converts, u2 drops off after the first step: counts [2, 1].
    create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-02T10:00:00Z")
    create_event(team=team, event="signup", distinct_id="u1", timestamp="2024-01-02T11:00:00Z")
    create_event(team=team, event="$pageview", distinct_id="u2", timestamp="2024-01-03T10:00:00Z")


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
