"""Keep something alive while a block runs: call ``beat`` every ``interval`` seconds on a daemon
thread, until the block ends or ``beat`` returns False (what it kept alive is no longer ours).

Usage::

    with beating(extend_my_lock, interval=1.0, name="qc-heartbeat"):
        compute()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def beating(beat: Callable[[], bool], *, interval: float, name: str) -> Iterator[None]:
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            if not beat():
                return

    thread = threading.Thread(target=loop, daemon=True, name=name)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
