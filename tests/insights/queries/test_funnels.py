"""FunnelsQuery through ``POST /query/`` with a real key, one rule of §3 per test.

Every expected number is worked out by hand from the events each test writes (UTC team,
range 2024-01-01..2024-01-31 unless a test says otherwise; default window 14 days).
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from posthog_api.models import Team
from tests.events import create_event
from tests.events import create_person

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-31"}


def step(event: str | None, **fields: Any) -> dict[str, Any]:
    return {"kind": "EventsNode", "event": event, **fields}


def funnel(*events: str | dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    series = [e if isinstance(e, dict) else step(e) for e in events]
    return {"kind": "FunnelsQuery", "series": series, "dateRange": RANGE, **fields}


def post(client: APIClient, team: Team, query: dict[str, Any]) -> Any:
    response = client.post(
        f"/api/projects/{team.pk}/query/",
        {"query": query, "refresh": "force_blocking"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def run(client: APIClient, team: Team, query: dict[str, Any]) -> Any:
    return post(client, team, query)["results"]


def counts(results: list[dict[str, Any]]) -> list[int]:
    return [item["count"] for item in results]


def times(results: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(i["average_conversion_time"], i["median_conversion_time"]) for i in results]


def at(team: Team, distinct_id: str, event: str, ts: str, **properties: Any) -> None:
    create_event(
        team=team,
        event=event,
        distinct_id=distinct_id,
        timestamp=f"2024-01-{ts}Z",
        properties=properties,
    )


def test_ordered_steps_count_reach_and_conversion_times(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "signup", "02T10:05:00")
    at(team, "u1", "purchase", "02T10:15:00")
    at(team, "u2", "$pageview", "02T11:00:00")
    at(team, "u2", "signup", "02T11:10:00")
    at(team, "u3", "$pageview", "02T12:00:00")
    at(team, "u4", "signup", "02T12:00:00")  # never did step 0: not in the funnel
    body = post(api_client, team, funnel("$pageview", "signup", "purchase"))
    results = body["results"]
    assert counts(results) == [3, 2, 1]
    assert times(results) == [(None, None), (450.0, 450.0), (600.0, 600.0)]
    assert results[1] == {
        "action_id": "signup",
        "name": "signup",
        "custom_name": None,
        "order": 1,
        "people": [],
        "count": 2,
        "type": "events",
        "average_conversion_time": 450.0,
        "median_conversion_time": 450.0,
    }
    assert body["isUdf"] is True
    assert body["is_cached"] is False


def test_inside_an_insight_viz_node(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "signup", "02T10:05:00")
    query = {"kind": "InsightVizNode", "source": funnel("$pageview", "signup")}
    assert counts(run(api_client, team, query)) == [1, 1]


def test_most_recent_step_one_restarts_the_path(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "$pageview", "02T10:30:00")
    at(team, "u1", "signup", "02T10:40:00")
    results = run(api_client, team, funnel("$pageview", "signup"))
    assert times(results)[1] == (600.0, 600.0)  # from the 10:30 pageview, not 10:00


def test_the_same_event_as_two_consecutive_steps(api_client: APIClient, team: Team) -> None:
    at(team, "once", "$pageview", "02T10:00:00")
    at(team, "twice", "$pageview", "02T10:00:00")
    at(team, "twice", "$pageview", "02T10:01:00")
    results = run(api_client, team, funnel("$pageview", "$pageview"))
    # One pageview cannot be both steps; two can.
    assert counts(results) == [2, 1]
    assert times(results)[1] == (60.0, 60.0)


def test_ties_at_one_timestamp_match_different_steps(api_client: APIClient, team: Team) -> None:
    # Signup stored before the pageview, at the same instant: both steps, in step order.
    at(team, "u1", "signup", "02T10:00:00")
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "purchase", "02T10:02:00")
    results = run(api_client, team, funnel("$pageview", "signup", "purchase"))
    assert counts(results) == [1, 1, 1]
    # A zero-second conversion is not a sample: no average for step 1.
    assert times(results) == [(None, None), (None, None), (120.0, 120.0)]


def test_two_identical_events_at_one_instant_fill_both_steps(
    api_client: APIClient, team: Team
) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "$pageview", "02T10:00:00")
    assert counts(run(api_client, team, funnel("$pageview", "$pageview"))) == [1, 1]


@pytest.mark.parametrize(
    ("interval", "unit", "expected"),
    [
        (30, "second", [1, 1, 0]),  # 30 s: signup at +30 s in, purchase at +31 s out
        (1, "minute", [1, 1, 1]),
        (1, "hour", [1, 1, 1]),
        (1, "day", [1, 1, 1]),
        (1, "week", [1, 1, 1]),
        (1, "month", [1, 1, 1]),
    ],
)
def test_conversion_window_units_at_the_edge(
    api_client: APIClient, team: Team, interval: int, unit: str, expected: list[int]
) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "signup", "02T10:00:30")
    at(team, "u1", "purchase", "02T10:00:31")
    options = {"funnelWindowInterval": interval, "funnelWindowIntervalUnit": unit}
    results = run(
        api_client, team, funnel("$pageview", "signup", "purchase", funnelsFilter=options)
    )
    assert counts(results) == expected


@pytest.mark.parametrize(
    ("unit", "seconds"), [("minute", 60), ("hour", 3600), ("day", 86400), ("week", 604800)]
)
def test_window_is_inclusive_and_one_second_more_is_out(
    api_client: APIClient, team: Team, unit: str, seconds: int
) -> None:
    at(team, "in", "$pageview", "02T00:00:00")
    create_event(
        team=team,
        event="signup",
        distinct_id="in",
        timestamp=_plus("2024-01-02T00:00:00", seconds),
    )
    at(team, "out", "$pageview", "02T00:00:00")
    create_event(
        team=team,
        event="signup",
        distinct_id="out",
        timestamp=_plus("2024-01-02T00:00:00", seconds + 1),
    )
    options = {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": unit}
    results = run(api_client, team, funnel("$pageview", "signup", funnelsFilter=options))
    assert counts(results) == [2, 1]


def test_month_window_is_31_days(api_client: APIClient, team: Team) -> None:
    create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-01T00:00:00Z")
    create_event(team=team, event="signup", distinct_id="u1", timestamp="2024-02-01T00:00:00Z")
    create_event(team=team, event="$pageview", distinct_id="u2", timestamp="2024-01-01T00:00:00Z")
    create_event(team=team, event="signup", distinct_id="u2", timestamp="2024-02-01T00:00:01Z")
    options = {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "month"}
    query = funnel("$pageview", "signup", funnelsFilter=options)
    query["dateRange"] = {"date_from": "2024-01-01", "date_to": "2024-02-05"}
    assert counts(run(api_client, team, query)) == [2, 1]


def _plus(iso: str, seconds: int) -> str:
    from datetime import datetime
    from datetime import timedelta

    return (datetime.fromisoformat(iso) + timedelta(seconds=seconds)).isoformat() + "Z"


def test_strict_order_breaks_on_any_other_event(api_client: APIClient, team: Team) -> None:
    at(team, "broken", "$pageview", "02T10:00:00")
    at(team, "broken", "other", "02T10:01:00")
    at(team, "broken", "signup", "02T10:02:00")
    at(team, "restarted", "$pageview", "02T10:00:00")
    at(team, "restarted", "other", "02T10:01:00")
    at(team, "restarted", "$pageview", "02T10:02:00")
    at(team, "restarted", "signup", "02T10:03:00")
    strict = funnel("$pageview", "signup", funnelsFilter={"funnelOrderType": "strict"})
    assert counts(run(api_client, team, strict)) == [2, 1]
    ordered = funnel("$pageview", "signup")
    assert counts(run(api_client, team, ordered)) == [2, 2]


def test_unordered_counts_distinct_steps_in_any_order(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "purchase", "02T10:00:00")
    at(team, "u1", "$pageview", "02T10:05:00")
    at(team, "u1", "signup", "02T10:10:00")
    at(team, "u2", "signup", "02T10:00:00")
    at(team, "u2", "signup", "02T10:01:00")  # the same step twice counts once
    at(team, "u3", "purchase", "02T10:00:00")
    at(team, "u3", "$pageview", "20T10:00:00")  # outside the 14-day window of the purchase
    query = funnel(
        "$pageview", "signup", "purchase", funnelsFilter={"funnelOrderType": "unordered"}
    )
    results = run(api_client, team, query)
    assert [(r["name"], r["action_id"], r["count"]) for r in results] == [
        ("Completed 1 step", None, 3),
        ("Completed 2 steps", None, 1),
        ("Completed 3 steps", None, 1),
    ]
    assert times(results)[1:] == [(300.0, 300.0), (300.0, 300.0)]


def test_unordered_exclusion_resets_the_window(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    at(team, "u1", "cancel", "02T10:01:00")
    at(team, "u1", "signup", "02T10:02:00")
    at(team, "u2", "$pageview", "02T10:00:00")
    at(team, "u2", "signup", "02T10:02:00")
    options = {
        "funnelOrderType": "unordered",
        "exclusions": [step("cancel", funnelFromStep=0, funnelToStep=1)],
    }
    query = funnel("$pageview", "signup", funnelsFilter=options)
    assert counts(run(api_client, team, query)) == [2, 1]


def test_exclusions_drop_actors_inside_the_window_only(api_client: APIClient, team: Team) -> None:
    # dropped: cancel between step 0 and step 1, no clean path later
    at(team, "dropped", "$pageview", "02T10:00:00")
    at(team, "dropped", "cancel", "02T10:01:00")
    at(team, "dropped", "signup", "02T10:02:00")
    at(team, "dropped", "purchase", "02T10:03:00")
    # after_range: cancel after step 1 is outside the exclusion's 0 -> 1 range
    at(team, "after_range", "$pageview", "02T10:00:00")
    at(team, "after_range", "signup", "02T10:01:00")
    at(team, "after_range", "cancel", "02T10:02:00")
    at(team, "after_range", "purchase", "02T10:03:00")
    # outside_window: cancel 15 days after the pageview cannot exclude its 14-day path
    at(team, "outside_window", "$pageview", "02T10:00:00")
    at(team, "outside_window", "cancel", "17T10:00:00")
    # clean_again: a new pageview after the cancel starts a clean path
    at(team, "clean_again", "$pageview", "02T10:00:00")
    at(team, "clean_again", "cancel", "02T10:01:00")
    at(team, "clean_again", "$pageview", "02T10:02:00")
    at(team, "clean_again", "signup", "02T10:03:00")
    options = {"exclusions": [step("cancel", funnelFromStep=0, funnelToStep=1)]}
    results = run(
        api_client, team, funnel("$pageview", "signup", "purchase", funnelsFilter=options)
    )
    assert counts(results) == [3, 2, 1]


def test_optional_step_may_be_skipped(api_client: APIClient, team: Team) -> None:
    at(team, "skipper", "$pageview", "02T10:00:00")
    at(team, "skipper", "purchase", "02T10:10:00")
    at(team, "full", "$pageview", "02T10:00:00")
    at(team, "full", "signup", "02T10:01:00")
    at(team, "full", "purchase", "02T10:03:00")
    query = funnel("$pageview", step("signup", optionalInFunnel=True), "purchase")
    results = run(api_client, team, query)
    assert counts(results) == [2, 1, 2]
    # purchase: 120 s after signup (full), 600 s after the pageview (skipper)
    assert times(results)[2] == (360.0, 360.0)


def test_step_properties_and_global_filters(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "$pageview", "02T10:00:00", **{"$browser": "Chrome"})
    at(team, "u1", "signup", "02T10:01:00", **{"$browser": "Chrome", "plan": "pro"})
    at(team, "u2", "$pageview", "02T10:00:00", **{"$browser": "Chrome"})
    at(team, "u2", "signup", "02T10:01:00", **{"$browser": "Chrome", "plan": "free"})
    at(team, "u3", "$pageview", "02T10:00:00", **{"$browser": "Safari"})
    at(team, "u3", "signup", "02T10:01:00", **{"$browser": "Safari", "plan": "pro"})
    pro = step("signup", properties=[{"type": "event", "key": "plan", "value": "pro"}])
    chrome = [{"type": "event", "key": "$browser", "value": "Chrome"}]
    assert counts(run(api_client, team, funnel("$pageview", pro))) == [3, 2]
    assert counts(run(api_client, team, funnel("$pageview", pro, properties=chrome))) == [2, 1]


def test_test_account_filters_apply_when_asked(api_client: APIClient, team: Team) -> None:
    team.test_account_filters = [
        {"type": "person", "key": "email", "operator": "not_icontains", "value": "@test.com"}
    ]
    team.save()
    create_person(team=team, distinct_ids=["tester"], properties={"email": "t@test.com"})
    create_person(team=team, distinct_ids=["real"], properties={"email": "r@real.com"})
    for who in ("tester", "real"):
        at(team, who, "$pageview", "02T10:00:00")
        at(team, who, "signup", "02T10:01:00")
    assert counts(run(api_client, team, funnel("$pageview", "signup"))) == [2, 2]
    filtered = funnel("$pageview", "signup", filterTestAccounts=True)
    assert counts(run(api_client, team, filtered)) == [1, 1]


def test_a_merged_person_is_followed_across_distinct_ids(api_client: APIClient, team: Team) -> None:
    # anon-1 viewed, then was identified as user-1 (merged into one person), who signed up.
    create_person(team=team, distinct_ids=["anon-1", "user-1"])
    at(team, "anon-1", "$pageview", "02T10:00:00")
    at(team, "user-1", "$identify", "02T10:01:00")
    at(team, "user-1", "signup", "02T10:02:00")
    results = run(api_client, team, funnel("$pageview", "signup"))
    assert counts(results) == [1, 1]
    assert times(results)[1] == (120.0, 120.0)


def test_all_events_step(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "signup", "02T10:00:00")
    at(team, "u1", "anything", "02T10:01:00")
    at(team, "u2", "signup", "02T10:00:00")
    assert counts(run(api_client, team, funnel("signup", None))) == [2, 1]


def test_non_utc_team_uses_local_days(api_client: APIClient, team: Team) -> None:
    team.timezone = "America/New_York"
    team.save()
    # 2024-01-01T03:00Z is Dec 31 22:00 in New York: outside a Jan 1 range.
    create_event(team=team, event="$pageview", distinct_id="early", timestamp="2024-01-01T03:00Z")
    create_event(team=team, event="signup", distinct_id="early", timestamp="2024-01-01T03:01Z")
    # 2024-01-02T03:00Z is Jan 1 22:00 in New York: inside.
    create_event(team=team, event="$pageview", distinct_id="late", timestamp="2024-01-02T03:00Z")
    create_event(team=team, event="signup", distinct_id="late", timestamp="2024-01-02T04:59Z")
    query = funnel("$pageview", "signup")
    query["dateRange"] = {"date_from": "2024-01-01", "date_to": "2024-01-01"}
    body = post(api_client, team, query)
    # late's signup is Jan 1 23:59 local: still inside.
    assert counts(body["results"]) == [1, 1]
    assert body["resolved_date_range"]["date_from"].endswith("-05:00")


def test_no_events_give_zero_counts(api_client: APIClient, team: Team) -> None:
    results = run(api_client, team, funnel("$pageview", "signup"))
    assert counts(results) == [0, 0]
    assert times(results) == [(None, None), (None, None)]


def test_a_cached_funnel_shows_the_current_custom_names(api_client: APIClient, team: Team) -> None:
    at(team, "u1", "$pageview", "02T10:00:00")
    first = funnel("$pageview", step("signup", custom_name="Signed up"))
    post(api_client, team, first)
    renamed = funnel("$pageview", step("signup", custom_name="Joined"))
    response = api_client.post(f"/api/projects/{team.pk}/query/", {"query": renamed}, format="json")
    body = response.json()
    assert body["is_cached"] is True
    assert [s["custom_name"] for s in body["results"]] == [None, "Joined"]
