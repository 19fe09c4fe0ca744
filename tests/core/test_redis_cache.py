"""The cache backend reuses one Redis client per server and still reads and writes."""

from __future__ import annotations

from django.core.cache import cache


def test_cache_calls_share_one_client_and_round_trip_values() -> None:
    key = "test_redis_cache:value"
    cache.set(key, {"a": 1}, 30)

    assert cache.get(key) == {"a": 1}
    client = cache._cache  # type: ignore[attr-defined]
    assert client.get_client(key) is client.get_client(key, write=True)
    cache.delete(key)
    assert cache.get(key) is None
