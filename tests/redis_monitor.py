"""Watch the commands real Redis receives (``MONITOR``), to count a request's round trips."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings


@contextmanager
def redis_commands(containing: str) -> Iterator[list[str]]:
    """The commands sent inside the block whose text contains ``containing`` (a test's unique
    key prefix, so other tests sharing the server never count)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    marker = f"redis-monitor-done-{os.urandom(6).hex()}"
    seen: list[str] = []
    with client.monitor() as monitor:

        def read() -> None:
            for item in monitor.listen():
                command = str(item["command"])
                if marker in command:
                    return
                if containing in command:
                    seen.append(command)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        yield seen
        client.echo(marker)
        reader.join(timeout=10)
    client.close()
