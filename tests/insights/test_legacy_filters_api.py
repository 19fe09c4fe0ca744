"""Filter-only (legacy) insights are shown and computed as their converted query (§2.1, §3.2)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from insights.models import Insight
from posthog_api.models import Team
from posthog_api.models import User
from tests.events import create_event
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db

TRENDS_FILTERS = {
    "insight": "TRENDS",
    "events": [{"id": "$pageview", "name": "$pageview", "math": "dau", "order": 0}],
    "date_from": "2024-01-01",
    "date_to": "2024-01-03",
    "interval": "day",
}
CONVERTED = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "TrendsQuery",
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-03"},
        "interval": "day",
        "series": [
            {"kind": "EventsNode", "event": "$pageview", "name": "$pageview", "math": "dau"}
        ],
    },
    "full": True,
}
# Not convertible: "fortnight" is no interval.
BROKEN_FILTERS = {"insight": "TRENDS", "events": [{"id": "$pageview"}], "interval": "fortnight"}


def url(team: Team, suffix: str = "") -> str:
    return f"/api/projects/{team.pk}/insights/{suffix}"


def legacy_insight(team: Team, owner: User, filters: dict[str, Any]) -> Insight:
    return make_insight(team=team, user=owner, query=None, filters=filters)


@pytest.fixture
def pageviews(team: Team) -> Team:
    """Jan 1: u1 twice and u2; Jan 3: u1; a signup on Jan 2 that the insight does not count."""
    for distinct_id, timestamp in [
        ("u1", "2024-01-01T09:00:00Z"),
        ("u1", "2024-01-01T10:00:00Z"),
        ("u2", "2024-01-01T11:00:00Z"),
        ("u1", "2024-01-03T12:00:00Z"),
    ]:
        create_event(team=team, event="$pageview", distinct_id=distinct_id, timestamp=timestamp)
    create_event(team=team, event="signup", distinct_id="u2", timestamp="2024-01-02T12:00:00Z")
    return team


def test_a_filter_only_trends_insight_returns_its_converted_query_and_results(
    api_client: APIClient, pageviews: Team, owner: User
) -> None:
    insight = legacy_insight(pageviews, owner, TRENDS_FILTERS)
    response = api_client.get(url(pageviews, f"{insight.pk}/"), {"refresh": "blocking"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == CONVERTED
    assert body["filters"] == {}
    assert [(item["label"], item["data"]) for item in body["result"]] == [("$pageview", [2, 0, 1])]
    assert body["result"][0]["days"] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert body["query_status"] is None
    assert body["filters_hash"].startswith("cache_")
    # The stored row is untouched: the conversion is only how the insight is shown.
    insight.refresh_from_db()
    assert (insight.query, insight.filters) == (None, TRENDS_FILTERS)


def test_a_filter_only_insight_is_cached_like_a_query_insight(
    api_client: APIClient, pageviews: Team, owner: User
) -> None:
    insight = legacy_insight(pageviews, owner, TRENDS_FILTERS)
    computed = api_client.get(url(pageviews, f"{insight.pk}/"), {"refresh": "blocking"}).json()
    cached = api_client.get(url(pageviews, f"{insight.pk}/")).json()
    assert (cached["is_cached"], cached["result"]) == (True, computed["result"])


def test_filters_override_applies_to_a_filter_only_insight(
    api_client: APIClient, pageviews: Team, owner: User
) -> None:
    insight = legacy_insight(pageviews, owner, TRENDS_FILTERS)
    body = api_client.get(
        url(pageviews, f"{insight.pk}/"),
        {"refresh": "blocking", "filters_override": '{"date_from": "2024-01-02"}'},
    ).json()
    assert body["result"][0]["data"] == [0, 1]


def test_creating_with_only_filters_answers_with_the_converted_query(
    api_client: APIClient, pageviews: Team
) -> None:
    response = api_client.post(
        url(pageviews) + "?refresh=blocking",
        {"name": "Legacy", "filters": TRENDS_FILTERS},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["query"], body["filters"]) == (CONVERTED, {})
    assert body["result"][0]["data"] == [2, 0, 1]
    stored = Insight.objects.get(pk=body["id"])
    assert (stored.query, stored.filters) == (None, TRENDS_FILTERS)


def test_list_shows_filter_only_insights_converted_with_results(
    api_client: APIClient, pageviews: Team, owner: User
) -> None:
    insight = legacy_insight(pageviews, owner, TRENDS_FILTERS)
    body = api_client.get(url(pageviews), {"refresh": "blocking"}).json()
    (row,) = body["results"]
    assert (row["id"], row["query"], row["filters"]) == (insight.pk, CONVERTED, {})
    assert row["result"][0]["data"] == [2, 0, 1]
    basic = api_client.get(url(pageviews), {"basic": "true"}).json()["results"][0]
    assert (basic["query"], basic["filters"]) == (CONVERTED, {})


def test_unconvertible_filters_are_returned_unchanged_with_null_results(
    api_client: APIClient, pageviews: Team, owner: User
) -> None:
    insight = legacy_insight(pageviews, owner, BROKEN_FILTERS)
    response = api_client.get(url(pageviews, f"{insight.pk}/"), {"refresh": "blocking"})
    assert response.status_code == 200
    body = response.json()
    assert (body["query"], body["filters"]) == (None, BROKEN_FILTERS)
    assert (body["result"], body["query_status"], body["filters_hash"]) == (None, None, None)
    listed = api_client.get(url(pageviews), {"refresh": "blocking"})
    assert listed.status_code == 200
    assert listed.json()["results"][0]["filters"] == BROKEN_FILTERS


def test_a_converted_funnel_computes_its_steps(
    api_client: APIClient, pageviews: Team, owner: User
) -> None:
    filters = {
        "insight": "FUNNELS",
        "events": [{"id": "$pageview", "order": 0}, {"id": "signup", "order": 1}],
        "date_from": "2024-01-01",
        "date_to": "2024-01-03",
        "funnel_window_interval": 2,
        "funnel_window_interval_unit": "day",
    }
    insight = legacy_insight(pageviews, owner, filters)
    body = api_client.get(url(pageviews, f"{insight.pk}/"), {"refresh": "blocking"}).json()
    assert body["query"]["source"]["kind"] == "FunnelsQuery"
    # u1 and u2 viewed; u2 signed up 25 hours after its view.
    assert [step["count"] for step in body["result"]] == [2, 1]
    assert body["result"][1]["average_conversion_time"] == 90000.0


def test_events_and_insight_list_filters_find_filter_only_insights(
    api_client: APIClient, team: Team, owner: User
) -> None:
    legacy = legacy_insight(team, owner, TRENDS_FILTERS)
    make_insight(team=team, user=owner, query=None, filters=BROKEN_FILTERS)
    assert legacy.query_metadata == {"events": ["$pageview"]}
    by_event = api_client.get(url(team), {"basic": "true", "events": '["$pageview"]'}).json()
    assert [row["id"] for row in by_event["results"]] == [legacy.pk]
    by_type = api_client.get(url(team), {"basic": "true", "insight": "TRENDS"}).json()
    assert by_type["count"] == 2


def test_editing_filters_recomputes_the_events_metadata(
    api_client: APIClient, team: Team, owner: User
) -> None:
    legacy = legacy_insight(team, owner, TRENDS_FILTERS)
    response = api_client.patch(
        url(team, f"{legacy.pk}/"),
        {"filters": {**TRENDS_FILTERS, "events": [{"id": "signup"}]}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["query"]["source"]["series"] == [
        {"kind": "EventsNode", "event": "signup"}
    ]
    legacy.refresh_from_db()
    assert legacy.query_metadata == {"events": ["signup"]}


def test_outsider_gets_404_for_a_filter_only_insight(
    outsider_client: APIClient, team: Team, owner: User
) -> None:
    insight = legacy_insight(team, owner, TRENDS_FILTERS)
    assert outsider_client.get(url(team, f"{insight.pk}/")).status_code == 404


def test_a_key_without_insight_scope_gets_403(api_client_for: Any, team: Team, owner: User) -> None:
    insight = legacy_insight(team, owner, TRENDS_FILTERS)
    client = api_client_for(owner, scopes=["dashboard:read"])
    assert client.get(url(team, f"{insight.pk}/")).status_code == 403
