"""Who is behind a funnel number: ActorsQuery over FunnelsActorsQuery through ``POST /query/``.

P1 (distinct_ids a1, a2) views as a1 and signs up as a2; P2 (b1) only views; c1 (no person)
views and signs up. Funnel $pageview -> signup on 2024-01-02.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from posthog_api.models import Person
from posthog_api.models import Team
from tests.events import create_person
from tests.insights.queries.test_funnels import at
from tests.insights.queries.test_funnels import funnel
from tests.insights.queries.test_funnels import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team: Team) -> dict[str, Person]:
    p1 = create_person(team=team, distinct_ids=["a1", "a2"], properties={"email": "p1@x.com"})
    p2 = create_person(team=team, distinct_ids=["b1"], properties={"email": "p2@x.com"})
    at(team, "a1", "$pageview", "02T10:00:00", **{"$browser": "Chrome"})
    at(team, "a2", "signup", "02T10:05:00")
    at(team, "b1", "$pageview", "02T10:00:00", **{"$browser": "Safari"})
    at(team, "c1", "$pageview", "02T10:00:00", **{"$browser": "Safari"})
    at(team, "c1", "signup", "02T10:01:00")
    return {"p1": p1, "p2": p2}


def actors(step: int, **fields: Any) -> dict[str, Any]:
    source = fields.pop("source", funnel("$pageview", "signup"))
    return {
        "kind": "ActorsQuery",
        "source": {"kind": "FunnelsActorsQuery", "source": source, "funnelStep": step, **fields},
    }


def ids(body: dict[str, Any]) -> list[list[str]]:
    return [row[0]["distinct_ids"] for row in body["results"]]


def test_persons_who_reached_a_step(api_client: APIClient, team: Team, people: Any) -> None:
    body = post(api_client, team, actors(2))
    assert ids(body) == [["a1", "a2"], ["c1"]]
    p1 = body["results"][0][0]
    assert p1["id"] == str(people["p1"].uuid)
    assert p1["properties"] == {"email": "p1@x.com"}
    assert body["columns"] == ["actor"]
    assert body["hasMore"] is False


def test_persons_who_dropped_off_before_a_step(
    api_client: APIClient, team: Team, people: Any
) -> None:
    assert ids(post(api_client, team, actors(-2))) == [["b1"]]


def test_pages_of_actors(api_client: APIClient, team: Team, people: Any) -> None:
    first = post(api_client, team, {**actors(1), "limit": 2})
    assert (len(first["results"]), first["hasMore"]) == (2, True)
    rest = post(api_client, team, {**actors(1), "limit": 2, "offset": 2})
    assert (ids(rest), rest["hasMore"]) == ([["c1"]], False)
    assert ids(first) + ids(rest) == ids(post(api_client, team, actors(1)))


def test_actors_of_one_breakdown_value(api_client: APIClient, team: Team, people: Any) -> None:
    source = funnel("$pageview", "signup", breakdownFilter={"breakdown": "$browser"})
    body = post(api_client, team, actors(1, source=source, funnelStepBreakdown=["Safari"]))
    assert ids(body) == [["b1"], ["c1"]]


@pytest.mark.parametrize("step", [0, -1, 3, -3])
def test_a_step_outside_the_funnel_is_a_400(api_client: APIClient, team: Team, step: int) -> None:
    response = api_client.post(
        f"/api/projects/{team.pk}/query/", {"query": actors(step)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["attr"] == "query__source__funnelStep"
