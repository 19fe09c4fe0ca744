"""``make run`` supervision (posthog_api/supervisor.py) on real child processes: a dead child is
started again, after a backoff that doubles while it keeps dying and is logged each time."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
            if os.getpgid(each.process.pid) == each.process.pid:  # a group of its own: all of it
                os.killpg(each.process.pid, signal.SIGKILL)
            else:
                each.process.kill()
        each.process.wait()
        if each.process.stdout is not None:
            each.process.stdout.close()


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


def test_what_a_dead_child_left_behind_in_its_group_is_killed_before_the_restart(supervised):
    clock = Clock()
    # The child starts a grandchild (as a Celery worker starts its pool) and prints its pid.
    code = (
        "import subprocess, sys, time;"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        "print(p.pid, flush=True); time.sleep(60)"
    )

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True
        )

    def kill_group(dead: subprocess.Popen[bytes]) -> None:
        os.killpg(dead.pid, signal.SIGKILL)

    worker = Supervised("worker", start, clock=clock, on_exit=kill_group)
    supervised.append(worker)
    first = worker.process
    grandchild = int(first.stdout.readline())
    os.kill(first.pid, signal.SIGKILL)
    wait_exit(first)

    worker.check()

    # Reaped by its new parent (init) once killed; gone means no /proc entry or a zombie.
    def gone() -> bool:
        try:
            return Path(f"/proc/{grandchild}/stat").read_text().split()[2] == "Z"
        except FileNotFoundError:
            return True

    deadline = time.monotonic() + 30
    while not gone():
        assert time.monotonic() < deadline, "the grandchild outlived its group's kill"
        time.sleep(0.05)
    first.stdout.close()
