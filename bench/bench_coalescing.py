"""Coalescing: a heavy uncached insight retrieved by 50 and by 200 identical concurrent requests.

``make bench BENCH_ARGS="coalescing"`` (options: ``--events``, ``--hold``, ``--concurrency 50,200``,
``--rounds 3``, ``--without-coalescing`` to also time the same bursts with coalescing off).

The server is gunicorn exactly as ``make run`` starts it (``posthog_api/gunicorn_conf.py``: 2
workers x 8 threads = 16 request slots), so most of a burst waits in the workers' queues while
the leader computes. The insight (daily unique users by browser over 30 days) is retrieved with
``refresh=force_blocking``, so nothing comes from the result cache, over ``--events`` demo events;
to make one computation take several seconds without burning the shared cores, the bench also
holds an exclusive lock on the events table for ``--hold`` seconds from the start of each burst
(a slow query, as far as the requests can tell).

Each round times, alternately: one request alone (the baseline), then each ``--concurrency``
burst. Each computation stamps its own ``last_refresh``, so the distinct ``last_refresh`` values
among the answers count the computations. Prints medians of the rounds, the ratios to one request
and the computation counts (goal: 50 -> 1 computation and <= 1.3x one request; 200 -> 1).
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
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.setup import bench_project
from insights.services import insight_create
from posthog_api.demo import generate_demo_data
from posthog_api.devserver import GUNICORN_CONFIG
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
    """The app under gunicorn with ``make run``'s process model, coalescing on or off."""

    def __init__(self, *, coalescing: bool) -> None:
        self.port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"WEB_CONCURRENCY", "GUNICORN_THREADS"}  # make run's defaults
        }
        env.update(
            {
                "DEBUG": "false",
                "QUERY_COALESCING_ENABLED": "true" if coalescing else "false",
                "THROTTLE_BURST_RATE": "1000000/minute",
                "THROTTLE_SUSTAINED_RATE": "10000000/hour",
            }
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                GUNICORN_CONFIG,
                "posthog_api.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
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


def hold_events_table(seconds: float) -> threading.Thread:
    """Lock the events table for ``seconds`` from a connection of our own (in a thread); returns
    once the lock is held, so every computation started meanwhile waits for its release."""
    held = threading.Event()

    def run() -> None:
        conn = connection.get_new_connection(connection.get_connection_params())
        try:
            conn.autocommit = False
            conn.execute("LOCK TABLE posthog_api_event IN ACCESS EXCLUSIVE MODE")
            held.set()
            time.sleep(seconds)
            conn.rollback()
        finally:
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    held.wait(30)
    return thread


def fetch(url: str, key: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=900) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass(frozen=True)
class Burst:
    seconds: float
    computations: int
    failed: int  # answers other than 200 (a 503 means a follower gave up)


def burst(url: str, key: str, count: int, *, hold: float) -> Burst:
    """All ``count`` requests sent at once while the events table is held for ``hold`` seconds."""
    replies: list[tuple[int, bytes]] = []
    lock = threading.Lock()
    start = threading.Barrier(count + 1)

    def run() -> None:
        start.wait()
        reply = fetch(url, key)
        with lock:
            replies.append(reply)

    # A finished answer is reused by identical requests for the result TTL (late followers):
    # let the previous burst's answer expire, so this burst starts cold.
    time.sleep(settings.QUERY_COALESCING_RESULT_TTL_SECONDS + 0.5)
    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    holder = hold_events_table(hold) if hold > 0 else None
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if holder is not None:
        holder.join()
    ok = [body for status, body in replies if status == 200]
    refreshes = {orjson.loads(body)["last_refresh"] for body in ok}
    return Burst(elapsed, len(refreshes), len(replies) - len(ok))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench coalescing")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--hold", type=float, default=4.0, help="seconds the events table is held")
    parser.add_argument("--concurrency", default="50,200", help="comma-separated burst sizes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--without-coalescing", action="store_true", help="also time it off")
    args, _ = parser.parse_known_args(argv)
    sizes = [int(size) for size in args.concurrency.split(",")]

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
        modes = {"on": True, **({"off": False} if args.without_coalescing else {})}
        urls = {}
        for mode, enabled in modes.items():
            server = Server(coalescing=enabled)
            servers.append(server)
            urls[mode] = f"http://127.0.0.1:{server.port}{path}"
            status, body = fetch(urls[mode], key)  # warm imports, connections and PG buffers
            assert status == 200, body[:300]

        single: list[float] = []
        bursts: dict[tuple[str, int], list[Burst]] = {(m, n): [] for m in modes for n in sizes}
        for _ in range(args.rounds):
            single.append(burst(urls["on"], key, 1, hold=args.hold).seconds)
            for n in sizes:
                for mode in modes:
                    bursts[mode, n].append(burst(urls[mode], key, n, hold=args.hold))

        one = statistics.median(single)
        print(
            f"heavy insight, {written} events, table held {args.hold:.1f}s, force_blocking, "
            f"make run's gunicorn (2 workers x 8 threads), {args.rounds} rounds (medians):"
        )
        print(f"  1 request:                          {one:8.2f} s")
        for (mode, n), runs in bursts.items():
            wall = statistics.median(run.seconds for run in runs)
            failed = sum(run.failed for run in runs)
            print(
                f"  {n:4d} concurrent, coalescing {mode:3s}:   {wall:8.2f} s  ratio "
                f"{wall / one:5.2f}x  computations {[run.computations for run in runs]}"
                + (f"  non-200 answers {failed}" if failed else "")
            )
        print("  goal: 50 -> 1 computation and <= 1.3x one request; 200 -> 1 computation")
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
