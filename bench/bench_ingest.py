"""Ingestion throughput: events/s through ``POST /batch/`` next to a raw COPY of the same events.

``make bench BENCH_ARGS="ingest --events 50000 --workers 2 --senders 4"``

The events are built by the real posthog Python SDK (its ``before_send`` hook hands us each wire
message) and encoded into 100-event ``/batch/`` request bodies by the SDK's own ``batch_post``
(its HTTP session is swapped for one that records the body instead of sending it). The timed run
replays those exact bodies to a gunicorn server running this project, from lean ``http.client``
senders that only refresh ``sent_at``: the SDK runs on the customers' machines, not beside the
server, so its JSON encoding is not the server's cost. ``--sdk-senders`` times the SDK's own
``batch_post`` as well (the load generator then competes with the server for this box's cores).
The same events are then COPYed into the events table of another team of the same database. The
figures and their ratio come from one run on one machine, with the CPU each side spent per batch.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import requests
from django.core.management import call_command
from django.db import connection
from posthog import Posthog
from posthog.request import batch_post

from bench.server import start_server
from bench.server import stop_server
from posthog_api.hourly_counts import SET_COUNTED_SESSION
from posthog_api.models import Event
from posthog_api.models import Organization
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team
from posthog_api.services.organizations import project_create

URLS = [
    f"https://hedgebox.example/{p}"
    for p in ("", "pricing", "features", "signup", "files", "docs/api")
] + [f"https://hedgebox.example/blog/post-{n}" for n in range(40)]


def sdk_messages(count: int, *, seed: int) -> list[dict[str, Any]]:
    """``count`` wire messages exactly as posthog-python would send them."""
    rng = random.Random(seed)
    captured: list[dict[str, Any]] = []

    def keep(message: dict[str, Any]) -> None:
        captured.append(message)
        return None  # dropped: we post them ourselves, in timed batches

    client = Posthog(
        "phc_bench",
        host="http://127.0.0.1:9",
        before_send=keep,
        sync_mode=True,
        enable_local_evaluation=False,
    )
    users = max(1, count // 25)
    for n in range(count):
        user = rng.randrange(users)
        distinct_id = f"user-{user}" if user % 3 else f"anon-{user}"
        roll = rng.random()
        if roll < 0.01 and distinct_id.startswith("anon-"):
            client.capture(
                "$identify",
                distinct_id=f"user-{user}",
                properties={"$anon_distinct_id": distinct_id, "$set": {"email": f"u{user}@x.io"}},
            )
        elif roll < 0.25:
            elements_chain = 'button.btn:nth-child="1"nth-of-type="1"text="Sign up";div.hero:nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"'
            client.capture(
                "$autocapture",
                distinct_id=distinct_id,
                properties={
                    "$current_url": rng.choice(URLS),
                    "$event_type": "click",
                    "$elements_chain": elements_chain,
                    "$session_id": f"s-{user}-{n // 50}",
                },
            )
        else:
            properties: dict[str, Any] = {
                "$current_url": rng.choice(URLS),
                "$browser": rng.choice(["Chrome", "Safari", "Firefox"]),
                "$os": "Mac OS X",
                "$session_id": f"s-{user}-{n // 50}",
            }
            if roll > 0.97:  # now and then a person property changes, as with plan upgrades
                properties["$set"] = {"plan": rng.choice(["free", "pro", "business"])}
            client.capture("$pageview", distinct_id=distinct_id, properties=properties)
    client.shutdown()
    for message in captured:
        if isinstance(message.get("timestamp"), datetime):
            message["timestamp"] = message["timestamp"].isoformat()
    return captured


def start_ingest_server(workers: int, *, synchronous_commit: bool) -> tuple[Any, str]:
    value = "true" if synchronous_commit else "false"
    return start_server(workers, env={"INGESTION_SYNCHRONOUS_COMMIT": value})


def sdk_bodies(token: str, messages: list[dict[str, Any]], *, batch_size: int) -> list[bytes]:
    """The exact ``/batch/`` request bodies posthog-python's ``batch_post`` would send."""

    class Recorder(requests.Session):
        def post(self, url: Any, data: Any = None, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            bodies.append(data.encode() if isinstance(data, str) else data)
            response = requests.Response()
            response.status_code = 200
            return response

    bodies: list[bytes] = []
    session = Recorder()
    for i in range(0, len(messages), batch_size):
        batch_post(
            token, host="http://bench.invalid", batch=messages[i : i + batch_size], session=session
        )
    return bodies


SENT_AT = re.compile(rb'"sent_at": "[^"]*"')


def replay(url: str, bodies: list[bytes], *, senders: int) -> float:
    """POST ``bodies`` to ``/batch/`` from ``senders`` threads; each body gets a fresh ``sent_at``."""
    host, port = url.removeprefix("http://").split(":")
    headers = {"Content-Type": "application/json", "User-Agent": "posthog-python/bench"}

    def send(body: bytes) -> None:
        sent_at = datetime.now(UTC).isoformat().encode()
        body = SENT_AT.sub(b'"sent_at": "' + sent_at + b'"', body, count=1)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            conn.request("POST", "/batch/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"/batch/ answered {response.status}")
        finally:
            conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(send, bodies))
    return time.perf_counter() - started


def post_batches(
    url: str, token: str, messages: list[dict[str, Any]], *, batch_size: int, senders: int
) -> float:
    """The SDK's own ``batch_post`` from ``senders`` threads, encoding included."""
    batches = [messages[i : i + batch_size] for i in range(0, len(messages), batch_size)]

    def send(batch: list[dict[str, Any]]) -> None:
        batch_post(token, host=url, batch=batch, historical_migration=False)

    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(send, batches))
    return time.perf_counter() - started


def warm_up(url: str, token: str, messages: list[dict[str, Any]], *, senders: int) -> None:
    """Post small real batches until every worker has served one (connection, lazy imports)."""
    batches = [messages[i : i + 10] for i in range(0, min(len(messages), 10 * senders * 8), 10)]
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(lambda b: batch_post(token, host=url, batch=b), batches))


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of ``pids`` so far (Linux ``/proc``); vanished processes count 0."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _postgres_pids() -> list[int]:
    """This database server's processes, when it runs on this machine (else none are counted)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    try:
        parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except FileNotFoundError:
        return []
    return [parent, *_children(parent)]


class CpuMeter:
    """CPU spent by the gunicorn workers and by PostgreSQL while a block runs."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def __enter__(self) -> CpuMeter:
        self.workers = _children(self.server_pid)
        self.postgres = _postgres_pids()
        self._start = (_cpu_seconds(self.workers), _cpu_seconds(self.postgres))
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker_seconds = _cpu_seconds(self.workers) - self._start[0]
        self.postgres_seconds = _cpu_seconds(self.postgres) - self._start[1]


def copy_rows(team: Team, messages: list[dict[str, Any]]) -> float:
    """COPY the same events (same columns, no person processing, no hourly counts) into ``team``."""
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        # Raw means the events alone: the per-row hourly-counting trigger stands aside.
        cursor.execute(SET_COUNTED_SESSION, ["on"])
    try:
        return _timed_copy(team, messages, now)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(SET_COUNTED_SESSION, ["off"])


def _timed_copy(team: Team, messages: list[dict[str, Any]], now: datetime) -> float:
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY posthog_api_event (uuid, team_id, event, distinct_id, timestamp, created_at, properties,"
            " elements_chain, session_id, person_id) FROM STDIN"
        ) as copy,
    ):
        for m in messages:
            properties = m.get("properties") or {}
            copy.write_row(
                (
                    m["uuid"],
                    team.pk,
                    m["event"],
                    m["distinct_id"],
                    m["timestamp"],
                    now,
                    orjson.dumps(properties).decode(),
                    properties.get("$elements_chain", ""),
                    properties.get("$session_id"),
                    None,
                )
            )
    return time.perf_counter() - started


def _cleanup(*teams: Team) -> None:
    for team in teams:
        Event.objects.filter(team=team).delete()
        PersonDistinctId.objects.filter(team=team).delete()
        Person.objects.filter(team=team).delete()
        team.project.delete()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench ingest")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="alternating /batch/ + COPY rounds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--senders", type=int, default=4, help="concurrent senders")
    parser.add_argument(
        "--sdk-senders",
        action="store_true",
        help="also time the SDK's own batch_post (encoding on this box) in each round",
    )
    parser.add_argument(
        "--asynchronous-commit",
        action="store_true",
        help="do not wait for the WAL flush (INGESTION_SYNCHRONOUS_COMMIT=false); default waits",
    )
    args, _ = parser.parse_known_args(argv)

    call_command("migrate", verbosity=0)
    organization = Organization.objects.create(name="bench-ingest")
    warm = project_create(organization=organization, name="bench warm-up")
    messages = sdk_messages(args.events, seed=42)
    synchronous_commit = not args.asynchronous_commit
    print(
        f"events: {len(messages)} in batches of {args.batch_size}; gunicorn workers: {args.workers};"
        f" senders: {args.senders}; synchronous_commit: {'on' if synchronous_commit else 'off'};"
        f" {args.rounds} rounds, each /batch/ then COPY into fresh projects"
    )
    ratios: list[float] = []
    sdk_ratios: list[float] = []
    server, url = start_ingest_server(args.workers, synchronous_commit=synchronous_commit)
    try:
        warm_up(url, warm.api_token, messages, senders=args.senders)
        for round_number in range(1, args.rounds + 1):
            ratio, sdk_ratio = _round(
                round_number, organization, messages, args=args, server=server, url=url
            )
            ratios.append(ratio)
            if sdk_ratio is not None:
                sdk_ratios.append(sdk_ratio)
    finally:
        stop_server(server)
        _cleanup(warm)
        organization.delete()
    print(
        f"  median ratio /batch/ : COPY = {statistics.median(ratios):.1%}"
        f" (rounds: {', '.join(f'{r:.1%}' for r in ratios)}; goal: at least 25%)"
    )
    if sdk_ratios:
        print(
            f"  median ratio with the SDK's batch_post encoding on this box too:"
            f" {statistics.median(sdk_ratios):.1%} (rounds: {', '.join(f'{r:.1%}' for r in sdk_ratios)})"
        )


def _round(
    number: int,
    organization: Organization,
    messages: list[dict[str, Any]],
    *,
    args: argparse.Namespace,
    server: Any,
    url: str,
) -> tuple[float, float | None]:
    via_http = project_create(organization=organization, name=f"bench /batch/ {number}")
    via_sdk = project_create(organization=organization, name=f"bench SDK senders {number}")
    via_copy = project_create(organization=organization, name=f"bench COPY {number}")
    try:
        bodies = sdk_bodies(via_http.api_token, messages, batch_size=args.batch_size)
        per_batch = 1000 / len(bodies)
        with CpuMeter(server.pid) as http_cpu:
            http_seconds = replay(url, bodies, senders=args.senders)
        stored = Event.objects.filter(team=via_http).count()
        copy_cpu = CpuMeter(os.getpid())
        with copy_cpu:
            copy_started = time.process_time()
            copy_seconds = copy_rows(via_copy, messages)
            copy_client = time.process_time() - copy_started
        copied = Event.objects.filter(team=via_copy).count()
        http_rate = stored / http_seconds
        copy_rate = copied / copy_seconds
        print(
            f"  round {number}: /batch/ {stored} stored in {http_seconds:.2f}s = {http_rate:.0f} events/s"
            f" (CPU/batch: gunicorn {http_cpu.worker_seconds * per_batch:.2f} ms,"
            f" PostgreSQL {http_cpu.postgres_seconds * per_batch:.2f} ms);"
            f" COPY {copied} in {copy_seconds:.2f}s = {copy_rate:.0f} events/s"
            f" (CPU/batch: client {copy_client * per_batch:.2f} ms,"
            f" PostgreSQL {copy_cpu.postgres_seconds * per_batch:.2f} ms);"
            f" ratio {http_rate / copy_rate:.1%}"
        )
        sdk_ratio = None
        if args.sdk_senders:
            sdk_seconds = post_batches(
                url, via_sdk.api_token, messages, batch_size=args.batch_size, senders=args.senders
            )
            sdk_rate = Event.objects.filter(team=via_sdk).count() / sdk_seconds
            sdk_ratio = sdk_rate / copy_rate
            print(f"    with SDK senders: {sdk_rate:.0f} events/s, ratio {sdk_ratio:.1%}")
        return http_rate / copy_rate, sdk_ratio
    finally:
        _cleanup(via_http, via_sdk, via_copy)
