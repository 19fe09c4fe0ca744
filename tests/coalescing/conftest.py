"""A real threaded HTTP server running the WSGI app, and helpers to hit it from many threads."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.servers.basehttp import WSGIRequestHandler
from prometheus_client import REGISTRY

from tests.async_queries.helpers import table_lock  # noqa: F401  (a fixture)
from tests.coalescing import probe
from tests.redis_server import private_redis  # noqa: F401  (a fixture)

# Only there so a broken test fails instead of hanging; never a timing assumption (a loaded box
# may be slow, so these are far above anything a passing test needs).
HANG_GUARD_SECONDS = 600.0


class _Server(ThreadedWSGIServer):
    # 50 clients connect at once; the default backlog of 10 would make some of them retry SYNs.
    request_queue_size = 256


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LiveServer:
    url: str

    def request(
        self,
        path: str,
        *,
        key: str | None = None,
        method: str = "GET",
        body: dict[str, Any] | None = None,
    ) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        # Always http:// to our own server, built above.
        req = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310
        if key is not None:
            req.add_header("Authorization", f"Bearer {key}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=HANG_GUARD_SECONDS) as response:  # noqa: S310
                return Reply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), dict(error.headers))

    def start(self, calls: list[Callable[[], Reply]]) -> Batch:
        """Start every call in its own thread; ``Batch.join()`` gives the replies in call order."""
        batch = Batch(calls)
        batch.start()
        return batch


class Batch:
    def __init__(self, calls: list[Callable[[], Reply]]) -> None:
        self.replies: list[Reply | None] = [None] * len(calls)
        self.threads = [
            threading.Thread(target=self._run, args=(i, call), daemon=True)
            for i, call in enumerate(calls)
        ]

    def _run(self, index: int, call: Callable[[], Reply]) -> None:
        self.replies[index] = call()

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> list[Reply]:
        for thread in self.threads:
            thread.join(HANG_GUARD_SECONDS)
        assert all(reply is not None for reply in self.replies), "a request never came back"
        return [reply for reply in self.replies if reply is not None]


@pytest.fixture
def live(settings: Any, transactional_db: None) -> Iterator[LiveServer]:
    """The WSGI app on a real socket, with the probe URLconf, in threads of this process."""
    settings.ROOT_URLCONF = "tests.coalescing.probe"
    server = _Server(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    probe.GATE.set()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        probe.GATE.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def counter(name: str) -> float:
    return REGISTRY.get_sample_value(f"query_coalescing_{name}_total") or 0.0


class Counters:
    """Metric deltas since creation (the registry is per process; xdist runs one test at a time)."""

    NAMES = ("leaders", "followers", "shared", "takeovers", "timeouts", "fail_open", "not_shared")

    def __init__(self) -> None:
        self.start = {name: counter(name) for name in self.NAMES}

    def __getitem__(self, name: str) -> int:
        return int(counter(name) - self.start[name])


@pytest.fixture
def counters() -> Counters:
    return Counters()


def wait_until(
    predicate: Callable[[], bool], *, what: str, timeout: float = HANG_GUARD_SECONDS
) -> None:
    """Poll until ``predicate()`` holds; a synchronisation point, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            probe.GATE.set()
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)
