"""Coalescing: one heavy uncached insight request vs 50 identical concurrent ones, on and off.

``make bench BENCH_ARGS="coalescing --events 10000000 --concurrency 50 --rounds 3"``

Loads ``--events`` demo events (``generate_demo_data``) into a fresh team and saves a heavy insight
(daily unique users by browser over 30 days). Two gunicorn servers run the real app side by side,
one with ``QUERY_COALESCING_ENABLED`` on and one with it off. Every request uses
``refresh=force_blocking`` so nothing comes from the result cache. Each round times, alternately:

* one request alone (the baseline);
* ``--concurrency`` identical requests at once with coalescing on;
* the same with coalescing off.

Each computation stamps its own ``last_refresh``, so the number of distinct ``last_refresh`` values
among the answers is the number of computations. Prints medians, the ratios to one request and the
computation counts (goal: coalesced <= 1.3x one request, with one computation).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
from django.core.management import call_command
from django.db import connection

from bench.setup import bench_project
from insights.services import insight_create
from posthog_api.demo import generate_demo_data
from posthog_api.models import Organization
from posthog_api.models import Team
from posthog_api.models import User

ROOT = Path(__file__).resolve().parent.parent
HEAVY_QUERY = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "TrendsQuery",
        "series": [
            {"kind": "EventsNode", "event": "$pageview", "math": "dau"},
            {"kind": "EventsNode", "event": "$autocapture", "math": "total"},
        ],
        "interval": "day",
        "dateRange": {"date_from": "-30d"},
        "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The app under gunicorn (2 processes x 32 threads), coalescing on or off."""

    def __init__(self, *, coalescing: bool, concurrency: int) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "QUERY_COALESCING_ENABLED": "true" if coalescing else "false",
            "QUERY_COALESCING_MAX_WAIT_SECONDS": "900",
            "QUERY_STATEMENT_TIMEOUT_MS": "900000",
            "THROTTLE_BURST_RATE": "1000000/minute",
            "THROTTLE_SUSTAINED_RATE": "10000000/hour",
            "DATABASE_CONN_MAX_AGE": "0",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "posthog_api.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                str(max(concurrency, 8)),
                "--timeout",
                "900",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while not self._healthy():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_health", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def fetch(url: str, key: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=900) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def burst(url: str, key: str, count: int) -> tuple[float, int]:
    """Seconds until all ``count`` concurrent requests are answered, and the computations made."""
    replies: list[tuple[int, bytes]] = []
    lock = threading.Lock()
    start = threading.Barrier(count + 1)

    def run() -> None:
        start.wait()
        reply = fetch(url, key)
        with lock:
            replies.append(reply)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    statuses = {status for status, _ in replies}
    assert statuses == {200}, (statuses, replies[0][1][:300])
    refreshes = {orjson.loads(body)["last_refresh"] for _, body in replies}
    return elapsed, len(refreshes)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench coalescing")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args, _ = parser.parse_known_args(argv)

    call_command("migrate", verbosity=0)
    project = bench_project("bench-coalescing", scopes=["insight:read"])
    organization, team, user, key = project.organization, project.team, project.user, project.key
    servers: list[Server] = []
    try:
        started = time.perf_counter()
        written = generate_demo_data(team=team, events=args.events, seed=args.seed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE posthog_api_event")
        print(f"demo data: {written} events in {time.perf_counter() - started:.1f}s")
        insight = insight_create(team=team, user=user, data={"name": "heavy", "query": HEAVY_QUERY})
        path = f"/api/projects/{team.id}/insights/{insight.id}/?refresh=force_blocking"
        on = Server(coalescing=True, concurrency=args.concurrency)
        servers.append(on)
        off = Server(coalescing=False, concurrency=args.concurrency)
        servers.append(off)
        url_on = f"http://127.0.0.1:{on.port}{path}"
        url_off = f"http://127.0.0.1:{off.port}{path}"
        for url in (url_on, url_off):  # warm each server's imports, connections and PG buffers
            status, body = fetch(url, key)
            assert status == 200, body[:300]

        single: list[float] = []
        coalesced: list[float] = []
        uncoalesced: list[float] = []
        computations_on: list[int] = []
        computations_off: list[int] = []
        for _ in range(args.rounds):
            seconds, _computed = burst(url_on, key, 1)
            single.append(seconds)
            seconds, computed = burst(url_on, key, args.concurrency)
            coalesced.append(seconds)
            computations_on.append(computed)
            seconds, computed = burst(url_off, key, args.concurrency)
            uncoalesced.append(seconds)
            computations_off.append(computed)

        one = statistics.median(single)
        with_coalescing = statistics.median(coalesced)
        without = statistics.median(uncoalesced)
        n = args.concurrency
        print(f"heavy insight, {written} events, {args.rounds} rounds (medians), force_blocking:")
        print(f"  1 request:                        {one:8.2f} s")
        print(
            f"  {n} concurrent, coalescing on:    {with_coalescing:8.2f} s"
            f"  ratio {with_coalescing / one:.2f}x  computations {computations_on}"
        )
        print(
            f"  {n} concurrent, coalescing off:   {without:8.2f} s"
            f"  ratio {without / one:.2f}x  computations {computations_off}"
        )
        print(
            f"  goal: coalesced <= 1.3x one request with 1 computation; off / on = "
            f"{without / with_coalescing:.1f}x"
        )
    finally:
        for server in servers:
            server.stop()
        cleanup(team, organization, user)


def cleanup(team: Team, organization: Organization, user: User) -> None:
    with connection.cursor() as cursor:
        for table in ("posthog_api_event", "posthog_api_persondistinctid", "posthog_api_person"):
            cursor.execute(f"DELETE FROM {table} WHERE team_id = %s", [team.id])
    team.project.delete()
    organization.delete()
    user.delete()
