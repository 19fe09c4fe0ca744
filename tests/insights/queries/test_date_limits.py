"""Dates a query cannot compute with are a 400 naming the field; unparseable text still means now.

``-99999999999999d`` (or an absolute date in year 1) would overflow Python's datetime inside the
engine; PostHog answers such a query with a server error. Here the query schema refuses it with
PostHog's error format, so ``/query/`` and insight create/update answer 400 and store nothing,
while an insight stored before (or through the ORM) still lists with the reason in
``query_status``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from insights.models import Insight
from posthog_api.models import Team
from posthog_api.models import User
from tests.elements.helpers import SIGNUP
from tests.elements.helpers import add_events
from tests.events import create_event
from tests.insights.factories import make_insight
from tests.insights.factories import trends_query
from tests.insights.queries.helpers import pageviews
from tests.insights.queries.helpers import trends

pytestmark = pytest.mark.django_db

TOO_FAR_BACK = "-99999999999999d"


def query_url(team: Team) -> str:
    return f"/api/projects/{team.pk}/query/"


def run(client: APIClient, team: Team, query: dict[str, Any]) -> Any:
    return client.post(query_url(team), {"query": query}, format="json")


def assert_400_naming(response: Any, attr: str) -> None:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["type"], body["code"], body["attr"]) == ("validation_error", "invalid_input", attr)
    assert "out of the supported date range" in body["detail"]


def test_a_date_from_too_far_back_is_a_400_naming_it(api_client: APIClient, team: Team) -> None:
    query = trends(series=[pageviews()], dateRange={"date_from": TOO_FAR_BACK})
    response = run(api_client, team, query)
    assert_400_naming(response, "query__dateRange__date_from")
    assert response.json()["detail"] == f"'{TOO_FAR_BACK}' is out of the supported date range."


@pytest.mark.parametrize(
    ("source", "attr"),
    [
        ({"dateRange": {"date_to": TOO_FAR_BACK}}, "query__source__dateRange__date_to"),
        ({"dateRange": {"date_from": "-3000y"}}, "query__source__dateRange__date_from"),
        ({"dateRange": {"date_from": "-2025yStart"}}, "query__source__dateRange__date_from"),
        ({"dateRange": {"date_from": "0001-06-01"}}, "query__source__dateRange__date_from"),
        ({"dateRange": {"date_to": "9999-12-31"}}, "query__source__dateRange__date_to"),
        (
            {"dateRange": {"date_from": "0001-01-01T00:00:00+05:00"}},
            "query__source__dateRange__date_from",
        ),
        (
            {"compareFilter": {"compare": True, "compare_to": "-99999999999w"}},
            "query__source__compareFilter__compare_to",
        ),
        # Each date is fine, but the period compared to would start before year 1.
        (
            {
                "dateRange": {"date_from": "0500-01-01"},
                "compareFilter": {"compare": True, "compare_to": "-600y"},
            },
            "query__source__compareFilter__compare_to",
        ),
        (
            {
                "dateRange": {"date_from": "0500-01-01"},
                "interval": "month",
                "compareFilter": {"compare": True},
            },
            "query__source__compareFilter__compare",
        ),
    ],
)
def test_a_date_out_of_range_is_a_400_naming_its_path(
    api_client: APIClient, team: Team, source: dict[str, Any], attr: str
) -> None:
    query = {"kind": "InsightVizNode", "source": trends(series=[pageviews()], **source)}
    assert_400_naming(run(api_client, team, query), attr)


def test_stickiness_compare_period_out_of_range_is_a_400(api_client: APIClient, team: Team) -> None:
    query = {
        "kind": "StickinessQuery",
        "series": [pageviews()],
        "dateRange": {"date_from": "0500-01-01"},
        "interval": "month",
        "compareFilter": {"compare": True},
    }
    assert_400_naming(run(api_client, team, query), "query__compareFilter__compare")


def test_a_date_filter_value_too_far_back_is_a_400_naming_it(
    api_client: APIClient, team: Team
) -> None:
    series = pageviews(
        properties=[{"key": "signed_up", "operator": "is_date_before", "value": TOO_FAR_BACK}]
    )
    assert_400_naming(
        run(api_client, team, trends(series=[series])), "query__series__0__properties__0__value"
    )


def test_elements_stats_date_filter_too_far_back_is_a_400(
    api_client: APIClient, team: Team
) -> None:
    add_events(team, SIGNUP, count=1)
    response = api_client.get(
        f"/api/projects/{team.pk}/elements/stats/",
        {
            "date_from": "2024-01-01",
            "properties": json.dumps(
                [{"key": "signed_up", "operator": "is_date_before", "value": TOO_FAR_BACK}]
            ),
        },
    )
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == "properties"


@pytest.mark.parametrize("text", ["0000-01-01", "10000-01-01", "soon"])
def test_unparseable_date_text_still_means_now(
    api_client: APIClient, team: Team, text: str
) -> None:
    query = trends(series=[pageviews()], dateRange={"date_from": text})
    response = run(api_client, team, query)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["query_status"] is None
    assert [len(item["data"]) for item in body["results"]] == [1]  # today only


def test_a_compare_to_that_is_not_used_is_still_checked(api_client: APIClient, team: Team) -> None:
    source = {"compareFilter": {"compare": False, "compare_to": TOO_FAR_BACK}}
    query = trends(series=[pageviews()], **source)
    assert_400_naming(run(api_client, team, query), "query__compareFilter__compare_to")


def test_too_many_interval_buckets_is_still_a_400(api_client: APIClient, team: Team) -> None:
    query = trends(series=[pageviews()], interval="hour", dateRange={"date_from": "2000-01-01"})
    response = run(api_client, team, query)
    assert response.status_code == 400, response.json()
    assert response.json()["detail"] == "The date range has more than 50000 hour intervals."


def test_all_time_from_an_event_in_year_one_is_a_400_not_a_failed_calculation(
    api_client: APIClient, team: Team
) -> None:
    # The schema cannot know where "all" starts; the engine refuses the range when it runs.
    team.timezone = "America/New_York"
    team.save(update_fields=["timezone"])
    create_event(team=team, event="$pageview", distinct_id="d1", timestamp="0001-01-01T01:00:00Z")
    query = trends(series=[pageviews()], interval="month", dateRange={"date_from": "all"})
    response = run(api_client, team, query)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["attr"], body["detail"]) == (
        "query",
        "The date range is out of the supported date range.",
    )


def test_creating_an_insight_with_such_a_date_is_a_400_and_stores_nothing(
    api_client: APIClient, team: Team
) -> None:
    response = api_client.post(
        f"/api/projects/{team.pk}/insights/",
        {"name": "Far back", "query": trends_query(dateRange={"date_from": TOO_FAR_BACK})},
        format="json",
    )
    assert_400_naming(response, "query__source__dateRange__date_from")
    assert not Insight.objects.filter(team=team).exists()


def test_updating_an_insight_with_such_a_date_is_a_400_and_changes_nothing(
    api_client: APIClient, team: Team, owner: User
) -> None:
    query = trends_query(dateRange={"date_from": "-7d"})
    insight = make_insight(team=team, user=owner, query=query)
    response = api_client.patch(
        f"/api/projects/{team.pk}/insights/{insight.pk}/",
        {"query": trends_query(dateRange={"date_to": TOO_FAR_BACK}), "name": "Renamed"},
        format="json",
    )
    assert_400_naming(response, "query__source__dateRange__date_to")
    insight.refresh_from_db()
    assert (insight.query, insight.name) == (query, "An insight")


def test_a_stored_insight_with_such_a_date_lists_with_the_reason_in_query_status(
    api_client: APIClient, team: Team, owner: User
) -> None:
    # Stored before dates were checked: list pages and retrieve must still answer.
    query = trends_query(dateRange={"date_from": TOO_FAR_BACK})
    insight = make_insight(team=team, user=owner, query=query)
    listing = api_client.get(f"/api/projects/{team.pk}/insights/", {"refresh": "blocking"})
    shown = api_client.get(
        f"/api/projects/{team.pk}/insights/{insight.pk}/", {"refresh": "blocking"}
    )
    assert (listing.status_code, shown.status_code) == (200, 200)
    [listed] = listing.json()["results"]
    for body in (listed, shown.json()):
        assert body["result"] is None
        assert body["query_status"]["error"] is True
        assert body["query_status"]["error_message"] == (
            f"'{TOO_FAR_BACK}' is out of the supported date range."
        )
