"""The cache backend reuses one Redis client per server and kind of call, and still reads and
writes; reads wait less than writes."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def test_cache_calls_share_one_client_per_kind_and_round_trip_values() -> None:
    key = "test_redis_cache:value"
    cache.set(key, {"a": 1}, 30)

    assert cache.get(key) == {"a": 1}
    client = cache._cache  # type: ignore[attr-defined]
    assert client.get_client(key) is client.get_client("another key")
    assert client.get_client(key, write=True) is client.get_client("another key", write=True)
    cache.delete(key)
    assert cache.get(key) is None


def test_cache_reads_give_up_sooner_than_writes() -> None:
    client = cache._cache  # type: ignore[attr-defined]
    read = client.get_client("k").connection_pool.connection_kwargs["socket_timeout"]
    write = client.get_client("k", write=True).connection_pool.connection_kwargs["socket_timeout"]

    assert read == settings.REDIS_READ_TIMEOUT_SECONDS
    assert write == settings.REDIS_TIMEOUT_SECONDS
    assert read < write
