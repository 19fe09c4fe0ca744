"""Property test: the engine's funnel numbers equal ``funnel_reference`` on random events.

Random actors do random events (a small alphabet, minute timestamps so that ties are common)
against random funnels (repeated step events, optional steps, exclusions, every order type);
the counts per step and the conversion-time averages and medians must match exactly.
"""

from __future__ import annotations

import statistics
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from posthog_api.models import Event
from posthog_api.models import Team
from tests.insights.queries import funnel_reference as ref
from tests.insights.queries.helpers import calculate

pytestmark = pytest.mark.django_db

NAMES = ["a", "b", "c", "x"]
BASE = datetime(2024, 1, 2, tzinfo=UTC)


@st.composite
def scenarios(draw: Any, order: str, with_exclusions: bool) -> dict[str, Any]:
    n = draw(st.integers(2, 4))
    steps = draw(st.lists(st.sampled_from(NAMES[:3]), min_size=n, max_size=n))
    optional: set[int] = set()
    if order != "unordered":
        optional = {i for i in range(1, n) if draw(st.booleans()) and draw(st.booleans())}
    exclusions = []
    if with_exclusions:
        low, high = 0, n - 1
        if order != "unordered":
            low = draw(st.integers(0, n - 2))
            high = draw(st.integers(low + 1, n - 1))
        candidates = [name for name in NAMES if name not in steps[low : high + 1]]
        if candidates:
            exclusions.append((draw(st.sampled_from(candidates)), low, high))
    actors = draw(
        st.lists(
            st.lists(st.tuples(st.integers(0, 40), st.sampled_from(NAMES)), max_size=9),
            min_size=1,
            max_size=4,
        )
    )
    window = draw(st.integers(1, 20))
    return {
        "order": order,
        "steps": steps,
        "optional": frozenset(optional),
        "exclusions": exclusions,
        "actors": actors,
        "window": window,
    }


def _expected(scenario: dict[str, Any]) -> tuple[list[int], list[tuple[Any, Any]]]:
    steps, n = scenario["steps"], len(scenario["steps"])
    window = scenario["window"] * 60
    counts = [0] * n
    gaps: list[list[float]] = [[] for _ in range(n)]
    for actor in scenario["actors"]:
        events: list[ref.Event] = []
        for minute, name in actor:
            matched = frozenset(i for i, s in enumerate(steps) if s == name)
            excluded = frozenset(
                i
                for i in range(1, n)
                for x, low, high in scenario["exclusions"]
                if x == name and low < i <= high
            )
            if matched or excluded or scenario["order"] == "strict":
                events.append((minute * 60.0, matched, excluded))
        if scenario["order"] == "unordered":
            covering = ref.unordered(events, n=n, window=window)
            if covering is None:
                continue
            for k in range(len(covering)):
                counts[k] += 1
                if k:
                    gaps[k].append(covering[k] - covering[k - 1])
            continue
        times = ref.path(
            events,
            n=n,
            window=window,
            strict=scenario["order"] == "strict",
            optional=scenario["optional"],
        )
        if times is None:
            continue
        for k in sorted(times):
            counts[k] += 1
            earlier = [j for j in times if j < k]
            if earlier:
                gaps[k].append(times[k] - times[max(earlier)])
    stats: list[tuple[Any, Any]] = [(None, None)]
    for k in range(1, n):
        positive = [g for g in gaps[k] if g > 0]
        if positive:
            stats.append((statistics.fmean(positive), float(statistics.median(positive))))
        else:
            stats.append((None, None))
    return counts, stats


def _query(scenario: dict[str, Any]) -> dict[str, Any]:
    series = [
        {"kind": "EventsNode", "event": name, "optionalInFunnel": i in scenario["optional"]}
        for i, name in enumerate(scenario["steps"])
    ]
    exclusions = [
        {"kind": "EventsNode", "event": x, "funnelFromStep": low, "funnelToStep": high}
        for x, low, high in scenario["exclusions"]
    ]
    return {
        "kind": "FunnelsQuery",
        "series": series,
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-31"},
        "funnelsFilter": {
            "funnelOrderType": scenario["order"],
            "funnelWindowInterval": scenario["window"],
            "funnelWindowIntervalUnit": "minute",
            "exclusions": exclusions,
        },
    }


def _check(team: Team, scenario: dict[str, Any]) -> None:
    Event.objects.filter(team=team).delete()
    rows = []
    for number, actor in enumerate(scenario["actors"]):
        for minute, name in actor:
            rows.append(
                Event(
                    team=team,
                    event=name,
                    distinct_id=f"actor-{number}",
                    timestamp=BASE + timedelta(minutes=minute),
                    uuid=uuid.UUID(int=len(rows) + 1),
                )
            )
    Event.objects.bulk_create(rows)
    results = calculate(team, _query(scenario))["results"]
    counts, stats = _expected(scenario)
    assert [r["count"] for r in results] == counts
    got = [(r["average_conversion_time"], r["median_conversion_time"]) for r in results]
    for (avg, median), (want_avg, want_median) in zip(got, stats, strict=True):
        assert (avg is None) == (want_avg is None)
        if avg is not None:
            assert avg == pytest.approx(want_avg)
            assert median == pytest.approx(want_median)


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("order", ["ordered", "strict", "unordered"])
@pytest.mark.parametrize("with_exclusions", [False, True])
def test_engine_matches_the_reference(team: Team, order: str, with_exclusions: bool) -> None:
    @SETTINGS
    @given(scenario=scenarios(order, with_exclusions))
    def check(scenario: dict[str, Any]) -> None:
        _check(team, scenario)

    check()
