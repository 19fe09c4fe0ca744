"""``/metrics`` through a real gunicorn with two workers: every scrape reads the totals of all
workers, and only the token holder (or, without a token, a loopback client) may read it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.async_queries.helpers import worker_database_url
from tests.async_queries.redis_server import spare_port
from tests.factories import make_key
from tests.insights.factories import make_insight
from tests.insights.factories import trends_query

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-0123456789abcdef"


class Gunicorn:
    def __init__(self, env: dict[str, str]) -> None:
        self.url = f"http://127.0.0.1:{spare_port()}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:posthog_api.gunicorn_conf",
                "--bind",
                self.url.removeprefix("http://"),
                "posthog_api.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while self.get("/_health")[0] != 200:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise AssertionError("gunicorn did not start")
            time.sleep(0.1)

    def get(self, path: str, token: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path)  # noqa: S310  (our own server)
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            return 0, b""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def gunicorn(settings: Any, tmp_path: Path) -> Iterator[Callable[..., Gunicorn]]:
    servers: list[Gunicorn] = []

    def start(**extra_env: str) -> Gunicorn:
        env = {
            **os.environ,
            "TESTING": "1",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
            "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
            "WEB_CONCURRENCY": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
            **extra_env,
        }
        server = Gunicorn(env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def leaders(text: bytes) -> float:
    match = re.search(rb"^query_coalescing_leaders_total (\S+)$", text, re.MULTILINE)
    assert match is not None, text
    return float(match.group(1))


def test_successive_scrapes_read_the_totals_of_all_workers(gunicorn, team, owner):
    server = gunicorn()
    key = make_key(owner)
    insight = make_insight(team=team, user=owner, query=trends_query())

    def compute(n: int) -> int:
        # Each distinct query string leads its own flight, so each counts one leader.
        path = f"/api/projects/{team.id}/insights/{insight.id}/?refresh=blocking&n={n}"
        request = urllib.request.Request(server.url + path)  # noqa: S310
        request.add_header("Authorization", f"Bearer {key}")
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status

    seen: list[float] = []
    done = 0
    for batch in (range(0, 10), range(10, 16)):
        # Concurrent requests, so both workers take some of them.
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(compute, batch)) == {200}
        done += len(batch)
        scrapes = [server.get("/metrics") for _ in range(8)]
        assert {status for status, _ in scrapes} == {200}
        counts = [leaders(body) for _, body in scrapes]
        assert counts == [done] * len(counts)
        seen.extend(counts)
    assert seen == sorted(seen)


def test_without_the_token_a_scrape_gets_401_json_and_with_it_the_metrics(gunicorn):
    server = gunicorn(METRICS_TOKEN=TOKEN)

    for token in (None, "not-the-token-at-all"):
        status, body = server.get("/metrics", token=token)
        assert status == 401
        assert body.startswith(b"{")
        assert b'"type":"authentication_error"' in body.replace(b" ", b"")
    status, body = server.get("/metrics", token=TOKEN)
    assert status == 200
    assert b"query_coalescing_leaders_total" in body


def test_a_non_loopback_client_without_a_token_configured_gets_403(client, settings):
    settings.METRICS_TOKEN = None
    reply = client.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert reply.status_code == 403
    assert reply.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "Metrics are readable from loopback only; set METRICS_TOKEN to scrape them remotely.",
        "attr": None,
    }


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_a_loopback_client_reads_the_metrics_without_a_token(client, settings, address):
    settings.METRICS_TOKEN = None
    assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200


def test_loopback_access_can_be_turned_off(client, settings):
    settings.METRICS_TOKEN = None
    settings.METRICS_ALLOW_LOOPBACK = False
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_a_configured_token_is_required_even_from_loopback(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401
    authorized = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert authorized.status_code == 200
