"""Element stats: ``GET /elements/stats/`` next to the hand-written SQL for the same groups.

``make bench BENCH_ARGS="elements --events 1000000 --chains 5000 --rounds 5"``

COPYs ``--events`` ``$autocapture`` events spread over the last 7 days (``--chains`` distinct
chains, a few very popular, most rare) into a fresh team, then times, alternately in one run:

* the endpoint through the full Django/DRF stack (API key auth, parameter validation, the query,
  parsing every chain into element dicts, JSON rendering), default parameters (last 7 days);
* the bare SQL a person would write for the same groups, fetched with a plain cursor.

It checks both return the same groups and prints the median times and their ratio (goal <= 1.25).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import orjson
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from bench.setup import bench_project
from posthog_api.elements_chain import build_chain
from posthog_api.hourly_counts import SET_COUNTED_SESSION
from posthog_api.hourly_counts import add_counts
from posthog_api.models import Team

TAGS = ["a", "button", "span", "div", "li", "img", "input", "label", "svg", "p"]
WORDS = [
    "Sign up",
    "Buy now",
    "Docs",
    "Pricing",
    "Log in",
    "Next",
    "Save",
    "Share",
    "Delete",
    "Open",
]
URLS = [f"https://hedgebox.example/{path}" for path in ("", "pricing", "signup", "files", "docs")]

HAND_WRITTEN_SQL = """
SELECT elements_chain, event, count(*) AS occurrences
FROM posthog_api_event
WHERE team_id = %s
  AND event IN ('$autocapture', '$rageclick', '$dead_click')
  AND elements_chain <> ''
  AND timestamp >= %s AND timestamp <= %s
GROUP BY elements_chain, event
ORDER BY occurrences DESC
LIMIT 50001
"""


def make_chains(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct, realistic chains: a clicked element and 2-9 ancestors up to body."""
    chains: list[str] = []
    seen: set[str] = set()
    while len(chains) < count:
        depth = rng.randint(2, 9)
        elements = []
        for level in range(depth):
            tag = rng.choice(TAGS) if level < depth - 1 else "body"
            classes = [f"{tag}-{rng.randrange(40)}" for _ in range(rng.randint(0, 3))]
            element = {
                "tag_name": tag,
                "attr_class": classes or None,
                "nth_child": rng.randint(1, 8),
                "nth_of_type": rng.randint(1, 4),
                "text": f"{rng.choice(WORDS)} {rng.randrange(1000)}" if level == 0 else None,
                "href": f"/p/{rng.randrange(500)}" if tag == "a" else None,
                "attributes": {"attr__class": " ".join(classes)} if classes else {},
            }
            if level == 0 and rng.random() < 0.5:
                element["attributes"]["attr__data-attr"] = f"cta-{rng.randrange(100)}"
            elements.append(element)
        chain = build_chain(elements)
        if chain not in seen:
            seen.add(chain)
            chains.append(chain)
    return chains


def copy_events(team: Team, *, events: int, chains: list[str], seed: int, now: datetime) -> float:
    """COPY the events in; popular chains are picked far more often (a power-law pick)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    week = 7 * 24 * 3600 - 60
    with connection.cursor() as cursor:
        raw = cursor.connection.cursor()
        columns = (
            "uuid, team_id, event, distinct_id, timestamp, created_at, properties, elements_chain"
        )
        # A bulk load counts its hours once afterwards: the per-row counting trigger would
        # upsert the same few count rows a million times.
        raw.execute(SET_COUNTED_SESSION, ["on"])
        with raw.copy(f"COPY posthog_api_event ({columns}) FROM STDIN") as copy:
            for _ in range(events):
                moment = now - timedelta(seconds=rng.random() * week)
                chain = chains[int(len(chains) * rng.random() ** 3)]
                properties = orjson.dumps(
                    {"$current_url": rng.choice(URLS), "$event_type": "click"}
                ).decode()
                copy.write_row(
                    (
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        team.id,
                        "$autocapture",
                        f"user-{rng.randrange(50_000)}",
                        moment,
                        moment,
                        properties,
                        chain,
                    )
                )
        raw.execute(SET_COUNTED_SESSION, ["off"])
        raw.execute(
            add_counts(
                "SELECT team_id, event, date_trunc('hour', timestamp, 'UTC'), 0, count(*)"
                " FROM posthog_api_event WHERE team_id = %s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            ),
            [team.id],
        )
        cursor.execute("ANALYZE posthog_api_event")
    return time.perf_counter() - started


def time_endpoint(client: APIClient, team: Team) -> tuple[float, list[tuple[str, int]], str]:
    """Seconds until the rendered response is back (decoding it is the client's cost, not ours)."""
    started = time.perf_counter()
    response = client.get(f"/api/projects/{team.id}/elements/stats/")
    elapsed = time.perf_counter() - started
    body = orjson.loads(response.content)
    assert response.status_code == 200, body
    rows = [(row["hash"], row["count"]) for row in body["results"]]
    return elapsed, rows, response["Server-Timing"]


def time_sql(team: Team, date_from: datetime, date_to: datetime) -> tuple[float, list[tuple]]:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN_SQL, [team.id, date_from, date_to])
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench elements")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--chains", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args, _ = parser.parse_known_args(argv)

    call_command("migrate", verbosity=0)
    project = bench_project("bench-elements", scopes=["element:read"])
    organization, team, user, key = project.organization, project.team, project.user, project.key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    try:
        now = datetime.now(UTC)
        chains = make_chains(args.chains, random.Random(args.seed))
        load_seconds = copy_events(team, events=args.events, chains=chains, seed=args.seed, now=now)
        print(
            f"COPY of {args.events} $autocapture events ({args.chains} chains): {load_seconds:.1f}s"
        )

        endpoint_times: list[float] = []
        sql_times: list[float] = []
        for round_number in range(args.rounds + 1):  # round 0 warms caches and is not counted
            date_to = datetime.now(UTC)
            date_from = (date_to - timedelta(days=7)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            endpoint_seconds, endpoint_rows, server_timing = time_endpoint(client, team)
            sql_seconds, sql_rows = time_sql(team, date_from, date_to)
            if round_number == 0:
                cold_ratio = endpoint_seconds / sql_seconds
                groups = {(row[0], row[1]): row[2] for row in sql_rows}
                assert len(endpoint_rows) == len(sql_rows), (len(endpoint_rows), len(sql_rows))
                assert sorted(count for _, count in endpoint_rows) == sorted(groups.values())
                continue
            endpoint_times.append(endpoint_seconds)
            sql_times.append(sql_seconds)

        endpoint_median = statistics.median(endpoint_times)
        sql_median = statistics.median(sql_times)
        print(f"groups returned: {len(sql_rows)}; rounds: {args.rounds} (medians)")
        print(f"  GET /elements/stats/ (full stack):  {endpoint_median * 1000:8.1f} ms")
        print(f"  hand-written SQL, same groups:      {sql_median * 1000:8.1f} ms")
        print(f"  last Server-Timing: {server_timing}")
        print(f"  ratio endpoint : SQL = {endpoint_median / sql_median:.2f}  (goal: at most 1.25)")
        print(
            f"  first (cold) request, chains not yet parsed in this process: ratio {cold_ratio:.2f}"
        )
        for key in ("tag_name", "text"):
            started = time.perf_counter()
            response = client.get(f"/api/projects/{team.id}/elements/values/", {"key": key})
            seconds = time.perf_counter() - started
            assert response.status_code == 200
            print(
                f"  GET /elements/values/?key={key} (newest 100 000 events): {seconds * 1000:.1f} ms"
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM posthog_api_event WHERE team_id = %s", [team.id])
        team.project.delete()
        organization.delete()
        user.delete()
