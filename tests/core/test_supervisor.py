"""``make run`` supervision (posthog_api/supervisor.py) on real child processes: a dead child is
started again, after a backoff that doubles while it keeps dying and is logged each time."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from posthog_api.supervisor import Supervised


class Clock:
    """The supervisor's notion of now, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def child(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


@pytest.fixture
def supervised() -> Iterator[list[Supervised]]:
    made: list[Supervised] = []
    yield made
    for each in made:
        if each.process.poll() is None:
            each.process.kill()
        each.process.wait()


def wait_exit(process: subprocess.Popen[bytes]) -> None:
    process.wait(30)


def test_a_killed_child_is_started_again_as_a_new_process(supervised, caplog):
    clock = Clock()
    worker = Supervised("worker", lambda: child("import time; time.sleep(60)"), clock=clock)
    supervised.append(worker)
    first = worker.process
    worker.check()
    assert worker.process is first

    os.kill(first.pid, signal.SIGKILL)
    wait_exit(first)
    with caplog.at_level(logging.WARNING, logger="posthog_api.supervisor"):
        worker.check()  # notices the death, schedules the restart
        clock.now += worker.initial_delay
        worker.check()

    assert worker.restarts == 1
    assert worker.process.pid != first.pid
    assert worker.process.poll() is None
    assert f"worker (pid {first.pid}) exited with code -9; restarting in 1.0 s" in caplog.text
    assert f"worker restarted (pid {worker.process.pid})" in caplog.text


def test_a_child_that_keeps_dying_is_restarted_with_doubling_backoff_up_to_the_cap(supervised):
    clock = Clock()
    worker = Supervised("worker", lambda: child("raise SystemExit(3)"), clock=clock, max_delay=4.0)
    supervised.append(worker)
    waited = []
    for _ in range(4):
        wait_exit(worker.process)
        worker.check()
        restarts = worker.restarts
        delay = 0.0
        while worker.restarts == restarts:
            clock.now += 0.5
            delay += 0.5
            worker.check()
        waited.append(delay)
    assert waited == [1.0, 2.0, 4.0, 4.0]


def test_backoff_starts_over_once_the_child_had_stayed_up(supervised):
    clock = Clock()
    worker = Supervised(
        "worker", lambda: child("raise SystemExit(3)"), clock=clock, stable_after=60.0
    )
    supervised.append(worker)
    for _ in range(3):  # three quick deaths: the next delay would be 8 s
        wait_exit(worker.process)
        worker.check()
        clock.now += 10
        worker.check()
    wait_exit(worker.process)
    clock.now += 60  # this run lasted a minute
    worker.check()
    clock.now += 1.0
    worker.check()
    assert worker.restarts == 4
