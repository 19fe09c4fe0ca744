"""Redis clients and pools with short timeouts and the shared circuit breaker (``redis_breaker``).

Two kinds of call, two timeouts (settings, read when a pool is built):

* ``REDIS_READ_TIMEOUT_SECONDS`` for cache reads: a read that does not answer is just a miss, and
  a healthy Redis answers in well under a millisecond, so waiting long buys nothing.
* ``REDIS_TIMEOUT_SECONDS`` for everything else (writes, lock scripts, connecting): a lost write
  can cost a recomputation, so it gets a little more room.

redis-py retries nothing here (``retries=0``): a retry on a stalled server only doubles the wait.

``client_for(url)`` is the raw client of the coalescing locks and async job claims;
``pool_for(url, read=...)`` builds the Django cache backend's pools. All of them share one
breaker per server, so one timeout anywhere makes every other caller skip Redis at once.
"""

from __future__ import annotations

import threading
from typing import Any

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry

from posthog_api.redis_breaker import GUARDED_CLASSES

_clients: dict[tuple[str, float], redis.Redis] = {}
_lock = threading.Lock()


def timeout_seconds(*, read: bool) -> float:
    return float(settings.REDIS_READ_TIMEOUT_SECONDS if read else settings.REDIS_TIMEOUT_SECONDS)


def pool_for(url: str, *, read: bool = False, **options: Any) -> redis.ConnectionPool:
    """A connection pool for ``url`` whose connections consult the server's breaker."""
    timeout = timeout_seconds(read=read)
    # The URL's scheme picks the connection class (tcp, TLS, unix socket): use its guarded twin.
    plain = parse_url(url).get("connection_class", redis.Connection)
    return redis.ConnectionPool.from_url(
        url,
        connection_class=GUARDED_CLASSES.get(plain, plain),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        **options,
    )


def client_for(url: str) -> redis.Redis:
    """The process-wide raw client for ``url`` (one pool per URL), breaker included."""
    slot = (url, timeout_seconds(read=False))  # a changed timeout setting gets a new pool
    with _lock:
        client = _clients.get(slot)
        if client is None:
            client = redis.Redis(connection_pool=pool_for(url, health_check_interval=30))
            _clients[slot] = client
        return client
