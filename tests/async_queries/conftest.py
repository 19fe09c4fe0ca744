"""A real Celery worker (``celery -A posthog_api worker``) in a subprocess, on this test's database,
Redis key prefix and a queue of its own, so parallel test processes never take each other's tasks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from posthog_api.devserver import worker_command
from tests.async_queries.helpers import table_lock  # noqa: F401  (a fixture)
from tests.async_queries.helpers import worker_database_url

ROOT = Path(__file__).resolve().parents[2]
# Three missed beats (3 s) mark a worker dead: short for the tests, long enough for a loaded CI box.
HEARTBEAT_SECONDS = "1.0"
# Generous: a job queued before its test's worker has started must still be picked up, and a
# redelivery after a killed pool child must get its chance, on a box loaded well past its cores
# (a worker took over a minute to start at load 14 on 2 cores).
PICKUP_TIMEOUT_SECONDS = "600.0"
# Bounds on waits for real state (never timing assertions): only a broken worker reaches them.
WORKER_START_SECONDS = 300


class Worker:
    def __init__(self, env: dict[str, str]) -> None:
        # The worker exactly as ``make run`` and docker-compose start it, on this test's queue.
        command = worker_command(env["INSIGHTS_REFRESH_QUEUE"], concurrency=1)
        self.process = subprocess.Popen(
            [
                *command[: command.index("-l")],
                "--pool",
                "prefork",
                "-n",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.ready.wait(WORKER_START_SECONDS):
            self.stop()
            raise AssertionError("celery worker did not start:\n" + "".join(self.log[-40:]))

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)
            if " ready." in line:
                self.ready.set()

    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_pool_child(self) -> None:
        """SIGKILL the process running the task, as the OOM killer would; the worker survives."""
        (child,) = self.pool_children()
        os.kill(child, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a lost machine would."""
        children = self.pool_children()
        self.process.kill()
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker(settings: Any, transactional_db: None) -> Iterator[Callable[[], Worker]]:
    """``celery_worker()`` starts a worker for this test (data must be committed: transactional)."""
    queue = f"insights_refresh.{settings.REDIS_KEY_PREFIX}"
    settings.INSIGHTS_REFRESH_QUEUE = queue
    settings.QUERY_ASYNC_HEARTBEAT_SECONDS = float(HEARTBEAT_SECONDS)
    settings.QUERY_PICKUP_TIMEOUT_SECONDS = float(PICKUP_TIMEOUT_SECONDS)
    env = {
        **os.environ,
        "TESTING": "1",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "INSIGHTS_REFRESH_QUEUE": queue,
        "QUERY_ASYNC_HEARTBEAT_SECONDS": HEARTBEAT_SECONDS,
        "QUERY_PICKUP_TIMEOUT_SECONDS": PICKUP_TIMEOUT_SECONDS,
    }
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def unconsumed_queue(settings: Any) -> Iterator[str]:
    """Async tasks of this test go to a queue no worker listens on (a Redis list), deleted after."""
    name = f"unconsumed.{settings.REDIS_KEY_PREFIX}"
    settings.INSIGHTS_REFRESH_QUEUE = name
    yield name
    redis.Redis.from_url(settings.REDIS_URL).delete(name)
