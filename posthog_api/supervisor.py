"""Keep a child process running: restart it with exponential backoff when it exits, and log it.

``make run`` (``devserver.py``) supervises the Celery worker with this, so a worker that exits (a
broker outage longer than its retries, an unrecoverable error) comes back instead of taking the web
server down with it. Backoff doubles per quick failure up to ``max_delay`` and resets once the
child has stayed up for ``stable_after`` seconds.
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

logger = logging.getLogger(__name__)


@dataclass
class Supervised:
    name: str
    start: Callable[[], subprocess.Popen[bytes]]
    initial_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    clock: Callable[[], float] = time.monotonic
    # Called with the exited process, e.g. to kill what it left behind (its pool processes).
    on_exit: Callable[[subprocess.Popen[bytes]], None] | None = None
    process: subprocess.Popen[bytes] = field(init=False)
    restarts: int = field(default=0, init=False)
    _delay: float = field(init=False)
    _started_at: float = field(init=False)
    _restart_at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._delay = self.initial_delay
        self._spawn()

    def _spawn(self) -> None:
        self.process = self.start()
        self._started_at = self.clock()
        self._restart_at = None

    def check(self) -> None:
        """Call often: notices an exit, waits out the backoff, then starts the child again."""
        now = self.clock()
        if self._restart_at is None:
            code = self.process.poll()
            if code is None:
                return
            if self.on_exit is not None:
                self.on_exit(self.process)
            if now - self._started_at >= self.stable_after:
                self._delay = self.initial_delay
            self._restart_at = now + self._delay
            logger.warning(
                "%s (pid %s) exited with code %s; restarting in %.1f s",
                self.name,
                self.process.pid,
                code,
                self._delay,
            )
            self._delay = min(self._delay * 2, self.max_delay)
        if now >= self._restart_at:
            self._spawn()
            self.restarts += 1
            logger.warning("%s restarted (pid %s)", self.name, self.process.pid)
