"""Refresh modes and staleness (posthog-api.md §6.2-6.3) through ``run_query``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.core.cache import cache as django_cache
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from insights.queries import cache
from insights.queries.execution import run_query
from insights.queries.modes import ExecutionMode
from insights.queries.modes import execution_mode
from posthog_api.models import Team
from tests.events import create_event
from tests.insights.queries.helpers import pageviews
from tests.insights.queries.helpers import trends

pytestmark = pytest.mark.django_db

OPEN = trends(series=[pageviews()], dateRange={"date_from": "-3d"})


def age(key: str, *, hours: float) -> None:
    """Pretend the cached result was computed ``hours`` ago."""
    payload = orjson.loads(django_cache.get(key))
    payload["last_refresh"] = (timezone.now() - timedelta(hours=hours)).isoformat()
    django_cache.set(key, orjson.dumps(payload))


def add_pageview(team: Team) -> None:
    create_event(team=team, event="$pageview", distinct_id="x", timestamp=timezone.now())


@pytest.mark.parametrize(
    ("raw", "mode"),
    [
        (None, ExecutionMode.CACHE_ONLY_NEVER_CALCULATE),
        (False, ExecutionMode.CACHE_ONLY_NEVER_CALCULATE),
        ("false", ExecutionMode.CACHE_ONLY_NEVER_CALCULATE),
        ("no", ExecutionMode.CACHE_ONLY_NEVER_CALCULATE),
        (True, ExecutionMode.CALCULATE_BLOCKING_ALWAYS),
        ("true", ExecutionMode.CALCULATE_BLOCKING_ALWAYS),
        ("1", ExecutionMode.CALCULATE_BLOCKING_ALWAYS),
        ("", ExecutionMode.CALCULATE_BLOCKING_ALWAYS),  # PostHog: a bare ?refresh= is true
        ("blocking", ExecutionMode.RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE),
        ("BLOCKING", ExecutionMode.RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE),
        ("lazy_async", ExecutionMode.EXTENDED_CACHE_CALCULATE_ASYNC_IF_STALE),
        (
            "async_except_on_cache_miss",
            ExecutionMode.RECENT_CACHE_CALCULATE_ASYNC_IF_STALE_AND_BLOCKING_ON_MISS,
        ),
    ],
)
def test_refresh_parsing(raw: Any, mode: ExecutionMode) -> None:
    assert execution_mode(raw) == mode


def test_absent_refresh_means_the_endpoints_default() -> None:
    blocking = ExecutionMode.RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE
    assert execution_mode(None, default=blocking) == blocking


@pytest.mark.parametrize("raw", ["whatever", "blocknig", 2, {"mode": "blocking"}])
def test_unknown_refresh_is_a_400_naming_refresh(raw: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        execution_mode(raw)
    assert list(raised.value.detail) == ["refresh"]  # type: ignore[arg-type]


def test_blocking_recomputes_only_when_stale(team: Team) -> None:
    add_pageview(team)
    first = run_query(team=team, query=OPEN, refresh="blocking")
    assert (first["is_cached"], first["results"][0]["count"]) == (False, 1.0)
    add_pageview(team)
    fresh = run_query(team=team, query=OPEN, refresh="blocking")
    assert (fresh["is_cached"], fresh["results"][0]["count"]) == (True, 1.0)
    age(first["cache_key"], hours=7)  # the day threshold is 6 h
    recomputed = run_query(team=team, query=OPEN, refresh="blocking")
    assert (recomputed["is_cached"], recomputed["results"][0]["count"]) == (False, 2.0)


def test_force_cache_serves_stale_results(team: Team) -> None:
    add_pageview(team)
    first = run_query(team=team, query=OPEN, refresh="force_blocking")
    add_pageview(team)
    age(first["cache_key"], hours=30)
    stale = run_query(team=team, query=OPEN, refresh="force_cache")
    assert (stale["is_cached"], stale["results"][0]["count"]) == (True, 1.0)


def test_force_blocking_ignores_the_cache(team: Team) -> None:
    add_pageview(team)
    run_query(team=team, query=OPEN, refresh="force_blocking")
    add_pageview(team)
    again = run_query(team=team, query=OPEN, refresh="force_blocking")
    assert (again["is_cached"], again["results"][0]["count"]) == (False, 2.0)


def test_async_serves_stale_and_refreshes(team: Team) -> None:
    add_pageview(team)
    first = run_query(team=team, query=OPEN, refresh="blocking")
    add_pageview(team)
    age(first["cache_key"], hours=7)
    stale = run_query(team=team, query=OPEN, refresh="async")
    assert (stale["is_cached"], stale["results"][0]["count"]) == (True, 1.0)
    assert stale["query_status"]["id"] == first["cache_key"]  # the refresh job, to poll


def test_lazy_async_uses_the_longer_threshold(team: Team) -> None:
    add_pageview(team)
    first = run_query(team=team, query=OPEN, refresh="blocking")
    age(first["cache_key"], hours=7)  # stale for async (6 h), not for lazy_async (12 h)
    lazy = run_query(team=team, query=OPEN, refresh="lazy_async")
    assert (lazy["is_cached"], lazy["query_status"]) == (True, None)


def test_async_miss_returns_a_status_and_no_result(team: Team) -> None:
    add_pageview(team)
    miss = run_query(team=team, query=OPEN, refresh="async", client_query_id="c1")
    assert (miss["results"], miss["query_status"]["id"]) == (None, "c1")


def test_closed_past_window_is_never_stale(team: Team) -> None:
    closed = trends(
        series=[pageviews()], dateRange={"date_from": "2024-01-01", "date_to": "2024-01-02"}
    )
    first = run_query(team=team, query=closed, refresh="blocking")
    age(first["cache_key"], hours=100)
    assert run_query(team=team, query=closed, refresh="blocking")["is_cached"] is True


def test_cache_fields(team: Team) -> None:
    response = run_query(team=team, query=OPEN, refresh="blocking")
    last = timezone.datetime.fromisoformat(response["last_refresh"])
    assert timezone.datetime.fromisoformat(
        response["next_allowed_client_refresh"]
    ) == last + timedelta(minutes=1)
    assert timezone.datetime.fromisoformat(response["cache_target_age"]) == last + timedelta(
        hours=6
    )


def test_custom_names_are_not_in_the_key_but_are_patched_in(team: Team) -> None:
    named = trends(series=[pageviews(custom_name="Views")], dateRange={"date_from": "-3d"})
    run_query(team=team, query=OPEN, refresh="blocking")
    cached = run_query(team=team, query=named, refresh="force_cache")
    assert cached["is_cached"] is True
    assert cached["results"][0]["action"]["custom_name"] == "Views"


def test_cache_key_depends_on_team_timezone_and_week_start(team: Team) -> None:
    base = cache.cache_key(team_id=1, kind="TrendsQuery", query=OPEN, tz="UTC", week_start_day=0)
    assert base != cache.cache_key(
        team_id=2, kind="TrendsQuery", query=OPEN, tz="UTC", week_start_day=0
    )
    assert base != cache.cache_key(
        team_id=1, kind="TrendsQuery", query=OPEN, tz="Europe/Paris", week_start_day=0
    )
    assert base != cache.cache_key(
        team_id=1, kind="TrendsQuery", query=OPEN, tz="UTC", week_start_day=1
    )
    tagged = {**OPEN, "tags": {"productKey": "x"}}
    assert base == cache.cache_key(
        team_id=1, kind="TrendsQuery", query=tagged, tz="UTC", week_start_day=0
    )


def test_filters_override_changes_the_range(team: Team) -> None:
    create_event(team=team, event="$pageview", distinct_id="x", timestamp="2024-01-02T10:00:00Z")
    response = run_query(
        team=team,
        query=OPEN,
        refresh="blocking",
        filters_override={
            "date_from": "2024-01-01",
            "date_to": "2024-01-02",
            "properties": [{"key": "a", "operator": "is_not_set"}],
        },
    )
    assert response["results"][0]["data"] == [0, 1]
