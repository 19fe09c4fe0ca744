"""Engine: uncached trends next to the best hand-written SQL, and cached insight retrieves.

``make bench BENCH_ARGS="engine --events 1000000 10000000 --rounds 5"``

For each size, loads demo data (``generate_demo_data``, 30 days) into a fresh team, then times,
alternately in one run and uncached (the engine's runner, no Redis involved):

* (a) a 30-day daily ``$pageview`` total trend, read from the hourly rollup (``total``; the
  stretch goal is under 50 ms at 10M events) and from the raw events (``total raw``), (b) the
  same with ``dau`` (persons resolved through distinct_id), (c) the total with a ``$browser``
  breakdown (top 25 + Other);
* the hand-written SQL a person would write for the same numbers on the raw events, run with a
  plain cursor.

It checks both give the same numbers and prints medians and ratios (goal <= 1.25). Then it
times 200 cached ``GET /insights/<id>/`` against 200 ``GET /api/projects/<id>/`` with the same
key, alternating one of each, through real HTTP (gunicorn gthread as ``make run`` and the
Dockerfile run it, one keep-alive connection) and in-process through the Django test client, and
prints p50/p99 of each (goal: insight <= 2x project).
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from bench.server import start_server
from bench.server import stop_server
from bench.setup import bench_project
from insights.queries.execution import prepare
from insights.services import insight_create
from posthog_api.demo import generate_demo_data
from posthog_api.models import Team

# The benchmark sends requests back to back on purpose.
THROTTLES_OFF = {
    "THROTTLE_BURST_RATE": "100000000/minute",
    "THROTTLE_SUSTAINED_RATE": "1000000000/hour",
}

HAND_SQL = {
    "total": """
        SELECT date_trunc('day', e.timestamp AT TIME ZONE 'UTC'), count(*)
        FROM posthog_api_event e
        WHERE e.team_id = %s AND e.event = '$pageview' AND e.timestamp >= %s AND e.timestamp <= %s
        GROUP BY 1""",
    # Distinct (day, distinct_id) first, then one person lookup per pair: the fastest form we
    # know for unique users (the engine uses the same plan).
    "dau": """
        SELECT d.day, count(DISTINCT COALESCE(pdi.person_id::text, 'd:' || d.distinct_id))
        FROM (
          SELECT DISTINCT date_trunc('day', e.timestamp AT TIME ZONE 'UTC') AS day, e.distinct_id
          FROM posthog_api_event e
          WHERE e.team_id = %s AND e.event = '$pageview'
            AND e.timestamp >= %s AND e.timestamp <= %s
        ) d
        LEFT JOIN posthog_api_persondistinctid pdi
          ON pdi.team_id = %s AND pdi.distinct_id = d.distinct_id
        GROUP BY 1""",
    "breakdown": """
        SELECT date_trunc('day', e.timestamp AT TIME ZONE 'UTC'),
               COALESCE(NULLIF(e.properties ->> '$browser', ''), '$$_posthog_breakdown_null_$$'),
               count(*)
        FROM posthog_api_event e
        WHERE e.team_id = %s AND e.event = '$pageview' AND e.timestamp >= %s AND e.timestamp <= %s
        GROUP BY 1, 2""",
}


def trend(math: str = "total", breakdown: bool = False) -> dict[str, Any]:
    source: dict[str, Any] = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "math": math}],
        "dateRange": {"date_from": "-30d"},
        "interval": "day",
    }
    if breakdown:
        source["breakdownFilter"] = {"breakdown": "$browser", "breakdown_type": "event"}
    return {"kind": "InsightVizNode", "source": source}


# "total" reads the hourly rollup (the stretch goal: under 50 ms at 10M events); "total raw"
# is the same query with the rollup turned off, computed from the raw events like the others.
QUERIES = {
    "total": trend(),
    "total raw": trend(),
    "dau": trend("dau"),
    "breakdown": trend(breakdown=True),
}


def engine_run(team: Team, name: str, query: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    with override_settings(QUERY_HOURLY_COUNTS=name != "total raw"):
        runner = prepare(team=team, query=query).runner
        started = time.perf_counter()
        response = runner.calculate()
        return time.perf_counter() - started, response


def hand_run(team: Team, name: str, date_from: Any, date_to: Any) -> tuple[float, list[tuple]]:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        params = [team.pk, date_from, date_to]
        sql = HAND_SQL["total" if name == "total raw" else name]
        cursor.execute(sql, [*params, team.pk] if name == "dau" else params)
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def engine_total(response: dict[str, Any]) -> float:
    return sum(sum(item["data"]) for item in response["results"])


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.01 else f"{value:.4f}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def interleaved(
    first: Callable[[], Any], second: Callable[[], Any], count: int
) -> tuple[list[float], list[float]]:
    """Time ``count`` calls of each, alternating, so both see the same machine conditions."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(10):  # warm both paths
        first(), second()
    for _ in range(count):
        for call, sink in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            response = call()
            sink.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return times


def http_client(url: str, key: str) -> Callable[[str], Any]:
    """GET over one keep-alive connection, as a dashboard polling its tiles does."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Authorization": f"Bearer {key}"}

    def get(path: str) -> Any:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        response.status_code = response.status  # type: ignore[attr-defined]
        return response

    return get


def print_latencies(label: str, insight_times: list[float], project_times: list[float]) -> None:
    p50_i, p99_i = percentile(insight_times, 0.5), percentile(insight_times, 0.99)
    p50_p, p99_p = percentile(project_times, 0.5), percentile(project_times, 0.99)
    print(
        f"  cached GET /insights/<id>/ vs GET /api/projects/<id>/, {label}:\n"
        f"    insight p50 {p50_i * 1000:.2f} ms p99 {p99_i * 1000:.2f} ms |"
        f" project p50 {p50_p * 1000:.2f} ms p99 {p99_p * 1000:.2f} ms |"
        f" ratio p50 {p50_i / p50_p:.2f} p99 {p99_i / p99_p:.2f} (goal <= 2)"
    )


def bench_size(events: int, rounds: int, seed: int) -> None:
    project = bench_project(f"bench-engine-{events}", scopes=["*"])
    organization, team, user, key = project.organization, project.team, project.user, project.key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    try:
        started = time.perf_counter()
        written = generate_demo_data(team=team, events=events, seed=seed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE posthog_api_event")
            cursor.execute("ANALYZE posthog_api_persondistinctid")
        print(f"\n--- {written} demo events loaded in {time.perf_counter() - started:.1f}s ---")

        for name, query in QUERIES.items():
            engine_times: list[float] = []
            hand_times: list[float] = []
            for round_number in range(rounds + 1):  # round 0 warms caches and is not counted
                now = timezone.now()
                date_to = now.replace(hour=23, minute=59, second=59, microsecond=999999)
                date_from = (now - timedelta(days=30)).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                # Alternate which side runs first, so neither always gets the warmer cache.
                if round_number % 2:
                    hand_seconds, rows = hand_run(team, name, date_from, date_to)
                    engine_seconds, response = engine_run(team, name, query)
                else:
                    engine_seconds, response = engine_run(team, name, query)
                    hand_seconds, rows = hand_run(team, name, date_from, date_to)
                if round_number == 0:
                    hand_total = float(sum(row[-1] for row in rows))
                    assert engine_total(response) == hand_total, (
                        name,
                        engine_total(response),
                        hand_total,
                    )
                    matching = hand_total
                    continue
                engine_times.append(engine_seconds)
                hand_times.append(hand_seconds)
            engine_median = statistics.median(engine_times)
            hand_median = statistics.median(hand_times)
            print(
                f"  ({name:9s}) engine {engine_median * 1000:8.1f} ms | hand SQL on raw events {hand_median * 1000:8.1f} ms"
                f" | ratio {_ratio(engine_median / hand_median)} (goal <= 1.25) | sum of values {matching:.0f}"
            )

        insight = insight_create(
            team=team, user=user, data={"name": "bench", "query": QUERIES["total"]}
        )
        detail = f"/api/projects/{team.pk}/insights/{insight.pk}/"
        warm = client.get(detail, {"refresh": "blocking"})
        assert warm.status_code == 200
        assert warm.json()["result"] is not None
        project = f"/api/projects/{team.pk}/"
        in_process = interleaved(lambda: client.get(detail), lambda: client.get(project), 200)
        assert client.get(detail).json()["is_cached"] is True
        print_latencies("in-process (Django test client)", *in_process)
        server, url = start_server(2, threads=4, env=THROTTLES_OFF)
        try:
            http = http_client(url, key)
            over_http = interleaved(lambda: http(detail), lambda: http(project), 200)
        finally:
            stop_server(server)
        print_latencies("through HTTP (gunicorn gthread, keep-alive)", *over_http)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM posthog_api_event WHERE team_id = %s", [team.pk])
            cursor.execute("DELETE FROM posthog_api_persondistinctid WHERE team_id = %s", [team.pk])
            cursor.execute("DELETE FROM posthog_api_person WHERE team_id = %s", [team.pk])
        team.project.delete()
        organization.delete()
        user.delete()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench engine")
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args, _ = parser.parse_known_args(argv)
    call_command("migrate", verbosity=0)
    for size in args.events:
        bench_size(size, args.rounds, args.seed)
