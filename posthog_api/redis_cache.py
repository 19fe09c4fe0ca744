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

from collections.abc import Callable
from typing import Any

import redis
from django.core.cache import caches
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

    def update(self, key: str, change: Callable[[Any], Any], *, timeout: int) -> tuple[Any, bool]:
        """Compare-and-set ``key``: ``change(current)`` returns the new value, or None to leave it.

        ``WATCH``/``MULTI``: if anyone writes the key between our read and our write, the write is
        dropped and ``change`` runs again on the newer value, so no writer ever overwrites a value
        it did not see. Returns the value now stored and whether ours was written.
        """
        full_key = self.make_and_validate_key(key)
        client: redis.Redis = self._cache.get_client(full_key, write=True)
        serializer = self._cache._serializer  # type: ignore[attr-defined]
        with client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(full_key)
                    raw = pipe.get(full_key)
                    current = None if raw is None else serializer.loads(raw)
                    new = change(current)
                    if new is None:
                        pipe.unwatch()
                        return current, False
                    pipe.multi()
                    pipe.set(full_key, serializer.dumps(new), ex=timeout)
                    pipe.execute()
                    return new, True
                except redis.WatchError:
                    continue


def update_cached(key: str, change: Callable[[Any], Any], *, timeout: int) -> tuple[Any, bool]:
    """``RedisCache.update`` on the default cache (see there)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        raise TypeError("update_cached needs posthog_api.redis_cache.RedisCache as the cache.")
    return backend.update(key, change, timeout=timeout)
