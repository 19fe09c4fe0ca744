"""A redis-server of the test's own on a spare loopback port, which the test may stop, pause
(SIGSTOP: the kernel still accepts connections and buffers commands, as with a stalled server)
and resume (SIGCONT), without touching the shared Redis every other test uses."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivateRedis:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def admin(self) -> redis.Redis:
        """A plain client (no breaker, no short timeouts) for the test's own look at the server."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=30)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def eval_calls(self) -> int:
        """How many EVAL commands the server has run (the lock scripts are EVALs)."""
        stats = self.admin().info("commandstats")
        return int(stats.get("cmdstat_eval", {}).get("calls", 0))


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    port = _free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    server = PrivateRedis(process=process, port=port)
    client = server.admin()
    for _ in range(300):
        if _pings(client):
            break
        time.sleep(0.1)
    try:
        yield server
    finally:
        client.close()
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait(10)
