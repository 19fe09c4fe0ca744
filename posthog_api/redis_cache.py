"""Django's Redis cache backend, keeping one client object per pool, on guarded pools.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call; the
constructor fills a table of ~170 response callbacks each time, which cost about as much as the
Redis round trip itself (a throttled API request makes four or five cache calls). A client is
a thin, thread-safe wrapper over its pool, so one per pool is enough.

Reads and writes get separate pools from ``redis_client.pool_for``: reads with the short read
timeout (a slow read is only a miss), writes with the longer one, and all of them behind the
server's circuit breaker, which they share with the coalescing and async-job clients.
"""

from __future__ import annotations

from typing import Any

import redis
from django.core.cache.backends import redis as django_redis

from posthog_api.redis_client import pool_for


class RedisCacheClient(django_redis.RedisCacheClient):
    # Set by Django's client (its stubs do not declare them).
    _servers: list[str]
    _pool_options: dict[str, Any]
    _client: type[redis.Redis]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[tuple[int, bool], redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        index: int = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        slot = (index, write)
        client = self._clients.get(slot)
        if client is None:
            pool = pool_for(self._servers[index], read=not write, **self._pool_options)
            client = self._clients.setdefault(slot, self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
