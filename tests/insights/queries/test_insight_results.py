"""Insight retrieve/list carry computed results (posthog-api.md §6.4) under each refresh mode."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from insights.queries.job_state import WORKER_LOST_MESSAGE
from insights.queries.status import load_status
from insights.queries.status import save_status
from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.models import User
from tests.factories import make_member
from tests.insights.factories import funnels_query
from tests.insights.factories import make_insight
from tests.insights.factories import trends_query

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-04"}


def detail(team: Team, insight_id: int) -> str:
    return f"/api/projects/{team.pk}/insights/{insight_id}/"


def test_default_retrieve_is_a_cache_miss_then_blocking_computes(
    api_client: APIClient, events: Team, owner: User
) -> None:
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    miss = api_client.get(detail(events, insight.pk)).json()
    assert (miss["result"], miss["is_cached"], miss["last_refresh"]) == (None, False, None)
    assert miss["filters_hash"].startswith("cache_")
    computed = api_client.get(detail(events, insight.pk), {"refresh": "blocking"}).json()
    assert [item["data"] for item in computed["result"]] == [[2, 1, 1, 1]]
    assert computed["is_cached"] is False
    assert computed["timezone"] == "UTC"
    assert computed["resolved_date_range"] == {
        "date_from": "2024-01-01T00:00:00Z",
        "date_to": "2024-01-04T23:59:59.999999Z",
    }
    assert computed["filters_hash"] == miss["filters_hash"]
    assert computed["hasMore"] is False
    cached = api_client.get(detail(events, insight.pk)).json()
    assert (cached["is_cached"], cached["result"]) == (True, computed["result"])


def test_refresh_true_forces_a_calculation(
    api_client: APIClient, events: Team, owner: User
) -> None:
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    body = api_client.get(detail(events, insight.pk), {"refresh": "true"}).json()
    assert body["is_cached"] is False
    assert body["next_allowed_client_refresh"] is not None


def test_list_computes_results_for_each_insight(
    api_client: APIClient, events: Team, owner: User
) -> None:
    make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    make_insight(team=events, user=owner, query=trends_query(event="signup", dateRange=RANGE))
    body = api_client.get(f"/api/projects/{events.pk}/insights/", {"refresh": "blocking"}).json()
    assert sorted(item["result"][0]["count"] for item in body["results"]) == [1.0, 5.0]


def test_unsupported_insight_kind_reports_in_query_status(
    api_client: APIClient, events: Team, owner: User
) -> None:
    paths = {"kind": "InsightVizNode", "source": {"kind": "PathsQuery", "pathsFilter": {}}}
    insight = make_insight(team=events, user=owner, query=paths)
    response = api_client.get(detail(events, insight.pk), {"refresh": "blocking"})
    assert response.status_code == 200
    body = response.json()
    assert body["result"] is None
    assert body["query_status"]["error"] is True
    assert body["query_status"]["error_message"] == "Paths is not yet supported by this service."


def test_a_saved_funnel_insight_computes_then_serves_from_cache(
    api_client: APIClient, events: Team, owner: User
) -> None:
    query = funnels_query("$pageview", "signup")
    query["source"]["dateRange"] = RANGE
    insight = make_insight(team=events, user=owner, query=query)
    computed = api_client.get(detail(events, insight.pk), {"refresh": "blocking"}).json()
    # conftest's events: P1, P2 and anon view; P2 signs up an hour after its view.
    assert [step["count"] for step in computed["result"]] == [3, 1]
    assert computed["result"][1]["average_conversion_time"] == 3600.0
    assert computed["is_cached"] is False
    cached = api_client.get(detail(events, insight.pk)).json()
    assert (cached["is_cached"], cached["result"]) == (True, computed["result"])
    listed = api_client.get(f"/api/projects/{events.pk}/insights/", {"refresh": "blocking"}).json()
    assert [step["count"] for step in listed["results"][0]["result"]] == [3, 1]


def test_filters_override_applies(api_client: APIClient, events: Team, owner: User) -> None:
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    body = api_client.get(
        detail(events, insight.pk),
        {
            "refresh": "blocking",
            "filters_override": '{"date_from": "2024-01-03", "date_to": "2024-01-04"}',
        },
    ).json()
    assert body["result"][0]["data"] == [1, 1]


def test_results_are_per_team(
    api_client_for: Any, events: Team, owner: User, outsider: User
) -> None:
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    assert api_client_for(outsider).get(detail(events, insight.pk)).status_code == 404


def test_from_dashboard_applies_the_dashboard_filters(
    api_client: APIClient, events: Team, owner: User
) -> None:
    from tests.insights.factories import make_dashboard

    dashboard = make_dashboard(
        team=events, user=owner, filters={"date_from": "2024-01-03", "date_to": "2024-01-04"}
    )
    insight = make_insight(
        team=events, user=owner, query=trends_query(dateRange=RANGE), dashboards=[dashboard]
    )
    on_dashboard = api_client.get(
        detail(events, insight.pk), {"refresh": "blocking", "from_dashboard": dashboard.pk}
    ).json()
    assert on_dashboard["result"][0]["data"] == [1, 1]
    alone = api_client.get(detail(events, insight.pk), {"refresh": "blocking"}).json()
    assert alone["result"][0]["data"] == [2, 1, 1, 1]


def test_a_cached_retrieve_runs_three_queries(
    api_client: APIClient, events: Team, owner: User, django_assert_num_queries: Any
) -> None:
    """Key, team (with the caller's membership level), and the insight with its users, newest
    view, tiles and tags in one statement."""
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    api_client.get(detail(events, insight.pk), {"refresh": "blocking"})
    with django_assert_num_queries(3):
        hit = api_client.get(detail(events, insight.pk))
    assert hit.json()["is_cached"] is True
    assert hit.json()["user_access_level"] == "manager"


def test_each_caller_gets_their_own_access_level(
    api_client_for: Any, events: Team, owner: User, teammate: User
) -> None:
    """From the membership level the team query brings along: admins manage, members edit."""
    admin = make_member(team=events, level=OrganizationMembership.Level.ADMIN)
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    as_admin = api_client_for(admin).get(detail(events, insight.pk))
    as_teammate = api_client_for(teammate).get(detail(events, insight.pk))
    assert as_admin.json()["user_access_level"] == "manager"
    assert as_teammate.json()["user_access_level"] == "editor"


@pytest.mark.parametrize("refresh", ["blocking", "force_blocking"])
def test_client_query_id_over_200_characters_is_a_400_naming_it(
    api_client: APIClient, events: Team, owner: User, refresh: str
) -> None:
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    url = detail(events, insight.pk)
    reply = api_client.get(url, {"refresh": refresh, "client_query_id": "x" * 201})
    assert reply.status_code == 400
    assert reply.json()["attr"] == "client_query_id"
    fine = api_client.get(url, {"refresh": refresh, "client_query_id": "x" * 200})
    assert fine.status_code == 200
    assert [item["data"] for item in fine.json()["result"]] == [[2, 1, 1, 1]]


def test_a_pending_job_whose_worker_died_and_was_not_taken_over_shows_as_failed_on_the_insight(
    api_client: APIClient, events: Team, owner: User
) -> None:
    insight = make_insight(team=events, user=owner, query=trends_query(dateRange=RANGE))
    url = detail(events, insight.pk)
    queued = api_client.get(url, {"refresh": "force_async"}).json()
    query_id = queued["query_status"]["id"]
    assert queued["query_status"]["complete"] is False
    # A worker picked the job up and died (nobody holds its claim any more), and no other worker
    # took it over before the deadline an earlier poll noted.
    status = load_status(team_id=events.pk, query_id=query_id)
    assert status is not None
    status.pickup_time = timezone.now()
    status.attempt = 1
    status.pickup_deadline = timezone.now() - timedelta(seconds=1)
    save_status(status)

    shown = api_client.get(url).json()["query_status"]
    polled = api_client.get(f"/api/projects/{events.pk}/query/{query_id}/").json()["query_status"]
    assert shown["error"] is True
    assert shown["error_message"] == WORKER_LOST_MESSAGE
    assert shown == polled
