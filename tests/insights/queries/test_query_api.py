"""``POST /api/projects/<id>/query/`` and ``GET /api/projects/<id>/query/<query_id>/`` over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from posthog_api.models import Team
from posthog_api.models import User
from tests.events import create_event
from tests.factories import make_environment
from tests.insights.queries.helpers import pageviews
from tests.insights.queries.helpers import trends

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-04"}


def url(team: Team, query_id: str | None = None) -> str:
    base = f"/api/projects/{team.pk}/query/"
    return f"{base}{query_id}/" if query_id else base


def viz(**source: Any) -> dict[str, Any]:
    return {
        "kind": "InsightVizNode",
        "source": trends(series=[pageviews()], dateRange=RANGE, **source),
    }


def test_runs_a_trends_query_with_cache_fields(api_client: APIClient, events: Team) -> None:
    response = api_client.post(url(events), {"query": viz()}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [item["data"] for item in body["results"]] == [[2, 1, 1, 1]]
    assert body["is_cached"] is False
    assert body["timezone"] == "UTC"
    assert body["cache_key"].startswith("cache_")
    assert body["query_status"] is None
    assert body["last_refresh"] is not None
    assert body["resolved_date_range"] == {
        "date_from": "2024-01-01T00:00:00Z",
        "date_to": "2024-01-04T23:59:59.999999Z",
    }


def test_second_blocking_request_is_served_from_cache(api_client: APIClient, events: Team) -> None:
    first = api_client.post(
        url(events), {"query": viz(), "refresh": "blocking"}, format="json"
    ).json()
    second = api_client.post(
        url(events), {"query": viz(), "refresh": "blocking"}, format="json"
    ).json()
    assert second["is_cached"] is True
    assert second["last_refresh"] == first["last_refresh"]
    assert second["results"] == first["results"]


def test_environment_url_runs_the_same_query(api_client: APIClient, events: Team) -> None:
    # A second environment of the same project with other data: each URL must run on the team
    # its id names, never on the caller's current team or the project's first environment.
    staging = make_environment(team=events)
    for day in ("2024-01-02T10:00:00Z", "2024-01-03T10:00:00Z", "2024-01-03T11:00:00Z"):
        create_event(team=staging, event="$pageview", distinct_id="s", timestamp=day)

    def data(prefix: str, team: Team) -> list[list[float]]:
        response = api_client.post(
            f"/api/{prefix}/{team.pk}/query/",
            {"query": viz(), "refresh": "force_blocking"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        return [item["data"] for item in response.json()["results"]]

    assert data("environments", events) == data("projects", events) == [[2, 1, 1, 1]]
    assert data("environments", staging) == data("projects", staging) == [[0, 1, 2, 0]]


def test_query_string_refresh_wins_and_an_unknown_one_is_a_400(
    api_client: APIClient, events: Team
) -> None:
    first = api_client.post(url(events), {"query": viz()}, format="json").json()
    # "" means force_blocking (as in PostHog): it recomputes although a fresh result is cached.
    again = api_client.post(
        url(events) + "?refresh=", {"query": viz(), "refresh": "blocking"}, format="json"
    ).json()
    assert (again["is_cached"], again["results"]) == (False, first["results"])
    response = api_client.post(url(events) + "?refresh=blocknig", {"query": viz()}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "refresh"
    response = api_client.post(url(events), {"query": viz(), "refresh": "soon"}, format="json")
    assert (response.status_code, response.json()["attr"]) == (400, "refresh")


def test_bad_query_is_a_400_naming_the_field(api_client: APIClient, team: Team) -> None:
    query = viz()
    query["source"]["series"][0]["math"] = "bogus"
    response = api_client.post(url(team), {"query": query}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["attr"]) == ("validation_error", "query__source__series__0__math")


def test_unknown_kind_is_a_400(api_client: APIClient, team: Team) -> None:
    response = api_client.post(url(team), {"query": {"kind": "NopeQuery"}}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "query"


def test_unsupported_kind_is_a_400_that_says_so(api_client: APIClient, team: Team) -> None:
    query = {"kind": "PathsQuery", "pathsFilter": {}}
    response = api_client.post(url(team), {"query": query}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Paths is not yet supported by this service."


def test_an_integer_past_64_bits_is_a_400_naming_the_field(
    api_client: APIClient, team: Team
) -> None:
    query = viz(breakdownFilter={"breakdown": "$browser", "breakdown_limit": 10**20})
    response = api_client.post(url(team), {"query": query}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["type"], body["attr"]) == (
        "validation_error",
        "query__source__breakdownFilter__breakdown_limit",
    )


@pytest.mark.parametrize(
    ("series", "attr"),
    [
        (pageviews(event="$page\x00view"), "query__source__series__0__event"),
        (
            pageviews(properties=[{"key": "$browser", "value": "Chr\x00me", "type": "event"}]),
            "query__source__series__0__properties__0__value",
        ),
        (pageviews(**{"extra\x00key": 1}), "query__source__series__0"),
    ],
)
def test_a_nul_character_is_a_400_naming_the_field(
    api_client: APIClient, team: Team, series: dict[str, Any], attr: str
) -> None:
    query = {"kind": "InsightVizNode", "source": trends(series=[series], dateRange=RANGE)}
    response = api_client.post(url(team), {"query": query}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["code"], body["attr"]) == ("null_characters_not_allowed", attr)


def test_calculation_error_is_a_200_with_query_status(api_client: APIClient, events: Team) -> None:
    # Python accepts this named group, PostgreSQL's regex engine does not: the SQL fails.
    query = viz(properties=[{"key": "$browser", "operator": "regex", "value": "(?P<x>Chrome)"}])
    response = api_client.post(
        url(events), {"query": query, "client_query_id": "q-1"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["results"] is None
    assert body["query_status"]["error"] is True
    assert body["query_status"]["complete"] is True
    assert body["query_status"]["id"] == "q-1"
    again = api_client.post(
        url(events), {"query": query, "refresh": "force_cache"}, format="json"
    ).json()
    assert again["results"] is None  # errors are never cached


def test_force_cache_miss_returns_null_results(api_client: APIClient, events: Team) -> None:
    body = api_client.post(
        url(events), {"query": viz(), "refresh": "force_cache"}, format="json"
    ).json()
    assert (body["results"], body["is_cached"], body["last_refresh"]) == (None, False, None)


def test_force_async_returns_a_status_to_poll(api_client: APIClient, events: Team) -> None:
    body = api_client.post(
        url(events),
        {"query": viz(), "refresh": "force_async", "client_query_id": "poll-me"},
        format="json",
    ).json()
    assert body["results"] is None
    assert body["query_status"]["id"] == "poll-me"
    polled = api_client.get(url(events, "poll-me"))
    assert polled.status_code == 200
    status = polled.json()["query_status"]
    assert (status["id"], status["team_id"], status["query_async"]) == ("poll-me", events.pk, True)


def test_unknown_query_status_is_a_404(api_client: APIClient, team: Team) -> None:
    assert api_client.get(url(team, "missing")).status_code == 404


def test_another_teams_status_is_not_visible(
    api_client: APIClient, events: Team, outsider: User, api_client_for: Any
) -> None:
    api_client.post(
        url(events),
        {"query": viz(), "refresh": "force_async", "client_query_id": "mine"},
        format="json",
    )
    other_team = outsider.current_team
    assert other_team is not None
    assert api_client_for(outsider).get(url(other_team, "mine")).status_code == 404


def test_outsider_gets_404(outsider_client: APIClient, team: Team) -> None:
    assert outsider_client.post(url(team), {"query": viz()}, format="json").status_code == 404
    assert outsider_client.get(url(team, "x")).status_code == 404


def test_key_without_query_scope_gets_403(owner: User, api_client_for: Any, team: Team) -> None:
    client = api_client_for(owner, scopes=["insight:read"])
    assert client.post(url(team), {"query": viz()}, format="json").status_code == 403
    assert client.get(url(team, "x")).status_code == 403


def test_query_read_scope_is_enough(owner: User, api_client_for: Any, team: Team) -> None:
    client = api_client_for(owner, scopes=["query:read"])
    assert client.post(url(team), {"query": viz()}, format="json").status_code == 200


def test_redis_down_still_answers(
    api_client: APIClient, events: Team, cache_redis_down: None
) -> None:
    response = api_client.post(url(events), {"query": viz(), "refresh": "blocking"}, format="json")
    assert response.status_code == 200
    assert [item["data"] for item in response.json()["results"]] == [[2, 1, 1, 1]]


def test_a_lone_surrogate_is_a_400_naming_the_field(api_client: APIClient, team: Team) -> None:
    body = (
        '{"query": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "\\ud800"}]}}'
    )
    response = api_client.post(url(team), body, content_type="application/json")
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == "query__series__0__event"
