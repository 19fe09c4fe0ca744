"""FunnelsQuery validation, breakdowns and time to convert, through ``POST /query/``.

Breakdown events (2024-01-02, UTC), 2-step funnel $pageview -> signup:

| actor | $pageview          | signup              | person plan |
|-------|--------------------|---------------------|-------------|
| u1    | 10:00 Chrome       | 10:01 Safari        | pro         |
| u2    | 10:00 Chrome       | 10:01 Chrome        | free        |
| u3    | 10:00 (no browser) |                     | (no person) |
| u4    | 10:00 Safari       | 10:05 (no browser)  | (no person) |
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from posthog_api.models import Team
from tests.events import create_person
from tests.insights.queries.test_funnels import at
from tests.insights.queries.test_funnels import funnel
from tests.insights.queries.test_funnels import run
from tests.insights.queries.test_funnels import step

pytestmark = pytest.mark.django_db


def error(client: APIClient, team: Team, query: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/projects/{team.pk}/query/", {"query": query}, format="json")
    assert response.status_code == 400, response.json()
    return response.json()


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        (funnel("$pageview"), "query__series"),
        (
            funnel("a", "b", funnelsFilter={"funnelFromStep": 1}),
            "query__funnelsFilter__funnelFromStep",
        ),
        (
            funnel("a", "b", "c", funnelsFilter={"funnelFromStep": 1, "funnelToStep": 1}),
            "query__funnelsFilter__funnelToStep",
        ),
        (
            funnel("a", "b", funnelsFilter={"exclusions": [step("b", funnelToStep=1)]}),
            "query__funnelsFilter__exclusions__0",
        ),
        (
            funnel("a", "b", funnelsFilter={"exclusions": [step("x", funnelToStep=2)]}),
            "query__funnelsFilter__exclusions__0__funnelToStep",
        ),
        (funnel(step("a", optionalInFunnel=True), "b"), "query__series__0__optionalInFunnel"),
        (
            funnel(
                "a",
                step("b", optionalInFunnel=True),
                funnelsFilter={"funnelOrderType": "unordered"},
            ),
            "query__series__1__optionalInFunnel",
        ),
        (
            funnel("a", "b", funnelsFilter={"breakdownAttributionType": "middle_touch"}),
            "query__funnelsFilter__breakdownAttributionType",
        ),
        (
            funnel("a", "b", funnelsFilter={"breakdownAttributionType": "step"}),
            "query__funnelsFilter__breakdownAttributionValue",
        ),
        (
            funnel(
                "a",
                "b",
                "c",
                funnelsFilter={
                    "funnelOrderType": "unordered",
                    "exclusions": [step("x", funnelFromStep=0, funnelToStep=1)],
                },
            ),
            "query__funnelsFilter__exclusions__0__funnelToStep",
        ),
        (
            funnel("a", "b", funnelsFilter={"funnelWindowInterval": 0}),
            "query__funnelsFilter__funnelWindowInterval",
        ),
    ],
)
def test_invalid_funnels_are_400s_naming_the_field(
    api_client: APIClient, team: Team, query: dict[str, Any], attr: str
) -> None:
    body = error(api_client, team, query)
    assert (body["type"], body["attr"]) == ("validation_error", attr)


def test_inside_a_viz_node_the_error_names_the_source(api_client: APIClient, team: Team) -> None:
    body = error(api_client, team, {"kind": "InsightVizNode", "source": funnel("$pageview")})
    assert body["attr"] == "query__source__series"


def test_unsupported_funnel_parts_are_400s_that_say_so(api_client: APIClient, team: Team) -> None:
    query = funnel("a", "b", aggregation_group_type_index=0)
    assert "not yet supported" in error(api_client, team, query)["detail"]
    query = funnel("a", "b", breakdownFilter={"breakdown": "x", "breakdown_type": "cohort"})
    assert "not yet supported" in error(api_client, team, query)["detail"]


@pytest.fixture
def browsers(team: Team) -> Team:
    create_person(team=team, distinct_ids=["u1"], properties={"plan": "pro"})
    create_person(team=team, distinct_ids=["u2"], properties={"plan": "free"})
    at(team, "u1", "$pageview", "02T10:00:00", **{"$browser": "Chrome"})
    at(team, "u1", "signup", "02T10:01:00", **{"$browser": "Safari"})
    at(team, "u2", "$pageview", "02T10:00:00", **{"$browser": "Chrome"})
    at(team, "u2", "signup", "02T10:01:00", **{"$browser": "Chrome"})
    at(team, "u3", "$pageview", "02T10:00:00")
    at(team, "u4", "$pageview", "02T10:00:00", **{"$browser": "Safari"})
    at(team, "u4", "signup", "02T10:05:00")
    return team


def by_value(results: list[list[dict[str, Any]]]) -> list[tuple[Any, list[int]]]:
    for steps in results:
        assert all(s["breakdown"] == s["breakdown_value"] == steps[0]["breakdown"] for s in steps)
    return [(steps[0]["breakdown_value"], [s["count"] for s in steps]) for steps in results]


def broken_down(attribution: str | None = None, **breakdown: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if attribution:
        kind, _, value = attribution.partition(":")
        options["breakdownAttributionType"] = kind
        if value:
            options["breakdownAttributionValue"] = int(value)
    return funnel(
        "$pageview",
        "signup",
        breakdownFilter={"breakdown": "$browser", "breakdown_type": "event", **breakdown},
        funnelsFilter=options,
    )


@pytest.mark.parametrize(
    ("attribution", "expected"),
    [
        # first non-empty value of the actor's funnel events (default)
        (None, [(["Chrome"], [2, 2]), (["Safari"], [1, 1]), ([""], [1, 0])]),
        ("first_touch", [(["Chrome"], [2, 2]), (["Safari"], [1, 1]), ([""], [1, 0])]),
        # last non-empty value: u1 Safari (its signup), u4 Safari (its signup has none)
        ("last_touch", [(["Safari"], [2, 2]), (["Chrome"], [1, 1]), ([""], [1, 0])]),
        # one funnel per value over the events carrying it: u1 and u4 never sign up in one
        ("all_events", [(["Chrome"], [2, 1]), ([""], [1, 0]), (["Safari"], [1, 0])]),
        # the value of the event used for step 1 (signup); none for u3, empty for u4
        ("step:1", [([""], [2, 1]), (["Chrome"], [1, 1]), (["Safari"], [1, 1])]),
        # the value of the step-0 event
        ("step:0", [(["Chrome"], [2, 2]), (["Safari"], [1, 1]), ([""], [1, 0])]),
    ],
)
def test_breakdown_attribution_types(
    api_client: APIClient, browsers: Team, attribution: str | None, expected: list[Any]
) -> None:
    results = run(api_client, browsers, broken_down(attribution))
    assert by_value(results) == expected


def test_breakdown_limit_merges_the_rest_into_other(api_client: APIClient, browsers: Team) -> None:
    results = run(api_client, browsers, broken_down(breakdown_limit=1))
    assert by_value(results) == [(["Chrome"], [2, 2]), (["Other"], [2, 1])]
    # Other's conversion times pool its actors: u4 (300 s) only, u3 never converted.
    assert results[1][1]["average_conversion_time"] == 300.0


def test_person_property_breakdown(api_client: APIClient, browsers: Team) -> None:
    query = funnel(
        "$pageview", "signup", breakdownFilter={"breakdown": "plan", "breakdown_type": "person"}
    )
    results = run(api_client, browsers, query)
    assert by_value(results) == [([""], [2, 1]), (["free"], [1, 1]), (["pro"], [1, 1])]


def test_breakdown_with_conversion_times(api_client: APIClient, browsers: Team) -> None:
    results = run(api_client, browsers, broken_down())
    chrome = results[0]
    assert [(s["average_conversion_time"], s["median_conversion_time"]) for s in chrome] == [
        (None, None),
        (60.0, 60.0),
    ]


def test_time_to_convert_bins_follow_the_path(api_client: APIClient, team: Team) -> None:
    # u1's path starts at its latest pageview: 60 s; u2 120 s; u3 600 s; u4 never converts.
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "$pageview", "02T10:10:00")
    at(team, "u1", "signup", "02T10:11:00")
    at(team, "u2", "$pageview", "02T10:00:00")
    at(team, "u2", "signup", "02T10:02:00")
    at(team, "u3", "$pageview", "02T10:00:00")
    at(team, "u3", "signup", "02T10:10:00")
    at(team, "u4", "$pageview", "02T10:00:00")
    options = {"funnelVizType": "time_to_convert", "binCount": 3}
    results = run(api_client, team, funnel("$pageview", "signup", funnelsFilter=options))
    # from 60 to 600 in 3 bins of ceil(540 / 3) = 180 s
    assert results == {
        "bins": [[60, 2], [240, 0], [420, 0], [600, 1]],
        "average_conversion_time": 260.0,
    }


def test_time_to_convert_between_chosen_steps_with_auto_bins(
    api_client: APIClient, team: Team
) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "signup", "02T10:01:00")
    at(team, "u1", "purchase", "02T10:31:00")
    options = {"funnelVizType": "time_to_convert", "funnelFromStep": 1, "funnelToStep": 2}
    results = run(
        api_client, team, funnel("$pageview", "signup", "purchase", funnelsFilter=options)
    )
    # one sample (1800 s): one bin, width 60 when the range is empty
    assert results == {"bins": [[1800, 1], [1860, 0]], "average_conversion_time": 1800.0}


def test_time_to_convert_without_conversions(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    options = {"funnelVizType": "time_to_convert"}
    results = run(api_client, team, funnel("$pageview", "signup", funnelsFilter=options))
    assert results == {"bins": [], "average_conversion_time": None}


@pytest.fixture
def entrances(team: Team) -> Team:
    at(team, "u1", "$pageview", "01T10:00:00", **{"$browser": "Chrome"})
    at(team, "u1", "signup", "01T11:00:00")
    at(team, "u1", "$pageview", "03T10:00:00")  # a second entrance, never converted
    at(team, "u2", "$pageview", "01T12:00:00", **{"$browser": "Safari"})
    at(team, "u3", "$pageview", "02T10:00:00")
    at(team, "u3", "signup", "03T09:00:00")  # converts in the period it entered (Jan 2)
    return team


def trends_query(**fields: Any) -> dict[str, Any]:
    query = funnel("$pageview", "signup", funnelsFilter={"funnelVizType": "trends"}, **fields)
    query["dateRange"] = {"date_from": "2024-01-01", "date_to": "2024-01-03"}
    return query


def test_trends_give_the_conversion_rate_per_entrance_period(
    api_client: APIClient, entrances: Team
) -> None:
    assert run(api_client, entrances, trends_query()) == [
        {
            "count": 3,
            "data": [50.0, 100.0, 0.0],
            "days": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "labels": ["1-Jan-2024", "2-Jan-2024", "3-Jan-2024"],
        }
    ]


def test_trends_by_breakdown_value(api_client: APIClient, entrances: Team) -> None:
    query = trends_query(breakdownFilter={"breakdown": "$browser"})
    results = run(api_client, entrances, query)
    assert [(r["breakdown_value"], r["data"]) for r in results] == [
        ([""], [0, 100.0, 0]),
        (["Chrome"], [100.0, 0, 0.0]),
        (["Safari"], [0.0, 0, 0]),
    ]
