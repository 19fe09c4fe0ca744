"""Funnels: the engine's uncached 3-step funnels next to the best hand-written SQL.

``make bench BENCH_ARGS="funnels --events 1000000 --rounds 3"``

For each size, loads demo data (30 days) into a fresh team, then times, alternately in one run
and uncached (the runner, no Redis): a 3-step ordered funnel ``$pageview -> signed_up ->
purchase`` over the last 30 days (14-day window), the same with a ``$browser`` breakdown
(first touch, top 25 + Other), and the raw 30-day daily unique-users trend on the same data
(the issue's yardstick: a funnel should take under 2x of it). The hand-written SQL computes the
same counts with window functions (for each ``$pageview``, the first ``signed_up`` after it and
the first ``purchase`` after that, by suffix minima over the actor's time-ordered events); it
computes no conversion times, which the engine does as well. Answers are checked equal.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bench.setup import bench_project
from insights.queries.execution import prepare
from posthog_api.demo import generate_demo_data
from posthog_api.models import Team

STEPS = ["$pageview", "signed_up", "purchase"]
WINDOW = 14 * 86400

# Per actor: the furthest step any $pageview reaches inside the window (ties at one instant
# count as in order), then one row per actor with its first-touch browser.
HAND_DEPTHS = """
    WITH ev AS (
      SELECT COALESCE(pdi.person_id::text, 'd:' || e.distinct_id) AS actor,
             extract(epoch FROM e.timestamp)::float8 AS ts, e.event,
             COALESCE(e.properties ->> '$browser', '') AS bd
      FROM posthog_api_event e
      LEFT JOIN posthog_api_persondistinctid pdi
        ON pdi.team_id = e.team_id AND pdi.distinct_id = e.distinct_id
      WHERE e.team_id = %(team)s AND e.timestamp >= %(from)s AND e.timestamp <= %(to)s
        AND e.event IN ('$pageview', 'signed_up', 'purchase')
    ), l1 AS (
      SELECT actor, ts, event, bd,
             min(ts) FILTER (WHERE event = 'purchase') OVER w AS n3,
             min(ts) FILTER (WHERE event = 'signed_up') OVER w AS n2
      FROM ev
      WINDOW w AS (PARTITION BY actor ORDER BY ts RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
    ), l2 AS (
      SELECT actor, ts, event, bd, n2,
             min(n3) FILTER (WHERE event = 'signed_up') OVER w AS n23
      FROM l1
      WINDOW w AS (PARTITION BY actor ORDER BY ts RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
    ), actors AS (
      SELECT actor,
             max(CASE WHEN n23 <= ts + %(window)s THEN 3 WHEN n2 <= ts + %(window)s THEN 2
                      ELSE 1 END) FILTER (WHERE event = '$pageview') AS depth,
             (array_agg(bd ORDER BY ts) FILTER (WHERE bd <> ''))[1] AS bd
      FROM l2 GROUP BY actor
    )
"""
HAND_SQL = {
    "3-step": HAND_DEPTHS
    + """
    SELECT '' AS bd, count(*), count(*) FILTER (WHERE depth >= 2),
           count(*) FILTER (WHERE depth >= 3)
    FROM actors WHERE depth IS NOT NULL""",
    "3-step $browser": HAND_DEPTHS
    + """
    , per AS (
      SELECT COALESCE(bd, '') AS bd, count(*) AS c1, count(*) FILTER (WHERE depth >= 2) AS c2,
             count(*) FILTER (WHERE depth >= 3) AS c3
      FROM actors WHERE depth IS NOT NULL GROUP BY 1
    ), ranked AS (
      SELECT per.*, row_number() OVER (ORDER BY c3 DESC, c2 DESC, c1 DESC, bd) AS rn FROM per
    )
    SELECT CASE WHEN rn <= 25 THEN bd ELSE 'Other' END, sum(c1), sum(c2), sum(c3)
    FROM ranked GROUP BY 1""",
    "dau trend": """
        SELECT d.day, count(DISTINCT COALESCE(pdi.person_id::text, 'd:' || d.distinct_id))
        FROM (
          SELECT DISTINCT date_trunc('day', e.timestamp AT TIME ZONE 'UTC') AS day, e.distinct_id
          FROM posthog_api_event e
          WHERE e.team_id = %(team)s AND e.event = '$pageview'
            AND e.timestamp >= %(from)s AND e.timestamp <= %(to)s
        ) d
        LEFT JOIN posthog_api_persondistinctid pdi
          ON pdi.team_id = %(team)s AND pdi.distinct_id = d.distinct_id
        GROUP BY 1""",
}


def funnel(breakdown: bool) -> dict[str, Any]:
    source: dict[str, Any] = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": event} for event in STEPS],
        "dateRange": {"date_from": "-30d"},
        "funnelsFilter": {"funnelWindowInterval": 14, "funnelWindowIntervalUnit": "day"},
    }
    if breakdown:
        source["breakdownFilter"] = {"breakdown": "$browser", "breakdown_type": "event"}
    return {"kind": "InsightVizNode", "source": source}


QUERIES = {
    "3-step": funnel(False),
    "3-step $browser": funnel(True),
    "dau trend": {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
        "dateRange": {"date_from": "-30d"},
        "interval": "day",
    },
}


def engine_answer(name: str, response: dict[str, Any]) -> list[tuple[Any, ...]]:
    results = response["results"]
    if name == "dau trend":
        return [(sum(results[0]["data"]),)]
    if name == "3-step":
        results = [[{**step, "breakdown_value": [""]} for step in results]]
    return sorted(
        (steps[0]["breakdown_value"][0], *(step["count"] for step in steps)) for steps in results
    )


def hand_answer(name: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    if name == "dau trend":
        return [(sum(row[1] for row in rows),)]
    return sorted((row[0], *(int(value) for value in row[1:])) for row in rows)


def engine_run(team: Team, query: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    with override_settings(QUERY_HOURLY_COUNTS=False):
        runner = prepare(team=team, query=query).runner
        started = time.perf_counter()
        response = runner.calculate()
        return time.perf_counter() - started, response


def hand_run(sql: str, params: dict[str, Any]) -> tuple[float, list[tuple[Any, ...]]]:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def timed_pair(
    first: Callable[[], tuple[float, Any]], second: Callable[[], tuple[float, Any]], swap: bool
) -> tuple[tuple[float, Any], tuple[float, Any]]:
    """Run both, alternating which goes first so neither always gets the warmer cache."""
    if swap:
        b = second()
        return first(), b
    a = first()
    return a, second()


def bench_size(events: int, rounds: int, seed: int) -> None:
    project = bench_project(f"bench-funnels-{events}", scopes=["*"])
    team = project.team
    try:
        started = time.perf_counter()
        written = generate_demo_data(team=team, events=events, seed=seed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE posthog_api_event")
            cursor.execute("ANALYZE posthog_api_persondistinctid")
        print(f"\n--- {written} demo events loaded in {time.perf_counter() - started:.1f}s ---")
        medians: dict[str, float] = {}
        for name, query in QUERIES.items():
            engine_times: list[float] = []
            hand_times: list[float] = []
            for round_number in range(rounds + 1):  # round 0 warms caches and is not counted
                now = timezone.now()
                params = {
                    "team": team.pk,
                    "to": now.replace(hour=23, minute=59, second=59, microsecond=999999),
                    "from": (now - timedelta(days=30)).replace(
                        hour=0, minute=0, second=0, microsecond=0
                    ),
                    "window": WINDOW,
                }
                (engine_seconds, response), (hand_seconds, rows) = timed_pair(
                    lambda q=query: engine_run(team, q),
                    lambda n=name, p=params: hand_run(HAND_SQL[n], p),
                    bool(round_number % 2),
                )
                if round_number == 0:
                    got, want = engine_answer(name, response), hand_answer(name, rows)
                    assert got == want, (name, got, want)
                    continue
                engine_times.append(engine_seconds)
                hand_times.append(hand_seconds)
            engine_median = statistics.median(engine_times)
            hand_median = statistics.median(hand_times)
            medians[name] = engine_median
            print(
                f"  ({name:15s}) engine {engine_median * 1000:8.1f} ms"
                f" | hand SQL {hand_median * 1000:8.1f} ms"
                f" | ratio {engine_median / hand_median:.2f} (goal <= 1.25)"
            )
        print(
            f"  3-step funnel / raw 30-day DAU trend: {medians['3-step'] / medians['dau trend']:.2f}"
            " (goal < 2 at 10M events)"
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM posthog_api_event WHERE team_id = %s", [team.pk])
            cursor.execute("DELETE FROM posthog_api_persondistinctid WHERE team_id = %s", [team.pk])
            cursor.execute("DELETE FROM posthog_api_person WHERE team_id = %s", [team.pk])
        team.project.delete()
        project.organization.delete()
        project.user.delete()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench funnels")
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args, _ = parser.parse_known_args(argv)
    call_command("migrate", verbosity=0)
    for size in args.events:
        bench_size(size, args.rounds, args.seed)
