"""A circuit breaker per Redis server, built into the connections themselves.

A stalled Redis (paused, swapping, a network partition) does not refuse connections: the kernel
still completes the TCP handshake and buffers what we send, so every call waits its full socket
timeout. Without a breaker each of a request's four or five Redis calls (throttles, coalescing
lock, result cache, job status) pays that timeout in turn.

The breaker lives in the connection classes (``GuardedConnection`` and friends), so every user of
a guarded pool shares it: the Django cache backend (``redis_cache.py``) and the raw clients of
``redis_client.py`` (coalescing locks, async job claims). States, per server address:

* **closed**: calls go through; a timeout or connection error opens the breaker.
* **open** for ``REDIS_BREAKER_COOLDOWN_SECONDS``: every call fails at once with
  ``RedisUnavailable`` (a ``redis.ConnectionError``, so each caller's existing fail-open path
  handles it) without touching the socket.
* **half-open** after the cooldown: exactly one call goes through as a probe; its success closes
  the breaker, its failure opens it for another cooldown. Everybody else keeps failing fast.

One failure is enough to open it: on a healthy Redis a command takes well under a millisecond,
so a timeout means the server is in trouble, and the next caller would only wait again. A request
therefore waits for at most one Redis timeout per cooldown window.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import redis
from django.conf import settings
from prometheus_client import Counter

OPENED = Counter("redis_breaker_opened", "Times a Redis server's circuit breaker opened.")
SKIPPED = Counter(
    "redis_breaker_skipped", "Redis calls failed at once because the server's breaker was open."
)
FAILURES = Counter(
    "redis_call_failures", "Redis calls that timed out or lost their connection (real attempts)."
)

# What a stalled or dead server looks like. A ResponseError (WRONGTYPE, a script error) is a
# healthy server answering, and must not open the breaker.
_TRANSPORT_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


class RedisUnavailable(redis.ConnectionError):
    """The server's breaker is open: the call was not attempted."""


class Breaker:
    """One Redis server's breaker; thread-safe, shared by every connection to that server."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._lock = threading.Lock()
        self._open_until = 0.0  # monotonic; 0 means closed
        self._probe_until = 0.0  # while a half-open probe is in flight
        self._prober: object | None = None  # the connection making it

    @property
    def is_open(self) -> bool:
        return self._open_until != 0.0

    def before_call(self, caller: object, probe_seconds: float) -> None:
        """Raise ``RedisUnavailable`` unless ``caller`` (a connection) may go to the server."""
        if self._open_until == 0.0:  # closed: the common case takes no lock
            return
        with self._lock:
            now = time.monotonic()
            if self._open_until == 0.0:
                return
            if caller is self._prober and now < self._probe_until:
                return  # the probe's own handshake and command
            if now < self._open_until or now < self._probe_until:
                SKIPPED.inc()
                raise RedisUnavailable(f"Redis at {self.address} is unavailable (breaker open)")
            # Half-open: this call probes. A probe that never reports (its thread died) frees the
            # slot after probe_seconds, so the breaker cannot stay stuck half-open.
            self._probe_until = now + probe_seconds
            self._prober = caller

    def succeeded(self) -> None:
        if self._open_until == 0.0:
            return
        with self._lock:
            self._open_until = 0.0
            self._probe_until = 0.0
            self._prober = None

    def failed(self) -> None:
        FAILURES.inc()
        with self._lock:
            if self._open_until == 0.0:
                OPENED.inc()
            self._open_until = time.monotonic() + settings.REDIS_BREAKER_COOLDOWN_SECONDS
            self._probe_until = 0.0
            self._prober = None


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(address: str) -> Breaker:
    with _breakers_lock:
        breaker = _breakers.get(address)
        if breaker is None:
            breaker = _breakers[address] = Breaker(address)
        return breaker


class _Guarded:
    """Mixin for a redis-py connection class: consult and feed the server's breaker."""

    _breaker: Breaker | None = None

    def _server_address(self) -> str:
        raise NotImplementedError

    @property
    def breaker(self) -> Breaker:
        if self._breaker is None:
            self._breaker = breaker_for(self._server_address())
        return self._breaker

    def _probe_seconds(self) -> float:
        connection: Any = self
        timeouts = (connection.socket_timeout, connection.socket_connect_timeout, 1.0)
        return 2 * max(t for t in timeouts if t is not None)

    def _failed(self, exc: BaseException) -> None:
        # A handshake failure passes through read_response and then connect: count it once.
        if not getattr(exc, "_breaker_counted", False):
            self.breaker.failed()
            with contextlib.suppress(AttributeError):
                exc._breaker_counted = True  # type: ignore[attr-defined]

    def connect(self) -> None:
        connection: Any = self
        if connection._sock is not None:
            return
        self.breaker.before_call(self, self._probe_seconds())
        try:
            super().connect()  # type: ignore[misc]
        except RedisUnavailable:
            raise
        except _TRANSPORT_ERRORS as exc:
            self._failed(exc)
            raise

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        self.breaker.before_call(self, self._probe_seconds())
        try:
            super().send_packed_command(command, check_health)  # type: ignore[misc]
        except RedisUnavailable:
            raise
        except _TRANSPORT_ERRORS as exc:
            self._failed(exc)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super().read_response(*args, **kwargs)  # type: ignore[misc]
        except RedisUnavailable:
            raise
        except _TRANSPORT_ERRORS as exc:
            self._failed(exc)
            raise
        self.breaker.succeeded()
        return response


class GuardedConnection(_Guarded, redis.Connection):
    def _server_address(self) -> str:
        return f"{self.host}:{self.port}"


class GuardedSSLConnection(_Guarded, redis.SSLConnection):
    def _server_address(self) -> str:
        return f"{self.host}:{self.port}"


class GuardedUnixConnection(_Guarded, redis.UnixDomainSocketConnection):
    def _server_address(self) -> str:
        return f"unix:{self.path}"


GUARDED_CLASSES: dict[type[Any], type[Any]] = {
    redis.Connection: GuardedConnection,
    redis.SSLConnection: GuardedSSLConnection,
    redis.UnixDomainSocketConnection: GuardedUnixConnection,
}
