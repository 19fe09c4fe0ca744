"""The Redis circuit breaker against a real redis-server that the test pauses (SIGSTOP) and
resumes (SIGCONT): one attempt pays the timeout, every later call skips Redis at once, the cache
backend and the raw client share the breaker, and it closes once the server answers again."""

from __future__ import annotations

import pytest
import redis
from prometheus_client import REGISTRY

from posthog_api.redis_breaker import RedisUnavailable
from posthog_api.redis_breaker import breaker_for
from posthog_api.redis_cache import RedisCache
from posthog_api.redis_client import client_for
from tests.coalescing.conftest import wait_until
from tests.redis_server import PrivateRedis


def metric(name: str) -> float:
    return REGISTRY.get_sample_value(f"{name}_total") or 0.0


def answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def short_cooldown(settings):
    settings.REDIS_BREAKER_COOLDOWN_SECONDS = 0.3


def test_a_stalled_redis_costs_one_attempt_then_every_caller_skips_it(
    private_redis: PrivateRedis, short_cooldown, settings
):
    settings.REDIS_BREAKER_COOLDOWN_SECONDS = 600  # stays open for the whole test
    client = client_for(private_redis.url)
    cache = RedisCache(private_redis.url, {})
    client.set("k", "v")
    failures, skipped = metric("redis_call_failures"), metric("redis_breaker_skipped")
    private_redis.pause()
    try:
        with pytest.raises(redis.TimeoutError):
            client.get("k")
        for _ in range(5):
            with pytest.raises(RedisUnavailable):
                client.get("k")
        # The Django cache backend sits behind the same breaker: it does not try either.
        with pytest.raises(RedisUnavailable):
            cache.get("k")
    finally:
        private_redis.resume()

    assert metric("redis_call_failures") - failures == 1
    assert metric("redis_breaker_skipped") - skipped == 6
    assert breaker_for(private_redis.address).is_open


def test_the_breaker_closes_once_redis_answers_again(private_redis: PrivateRedis, short_cooldown):
    client = client_for(private_redis.url)
    client.set("k", "v")
    private_redis.pause()
    try:
        with pytest.raises(redis.TimeoutError):
            client.get("k")
    finally:
        private_redis.resume()
    assert breaker_for(private_redis.address).is_open

    wait_until(lambda: answers(client), what="a probe to get through after the cooldown")

    assert not breaker_for(private_redis.address).is_open
    assert client.get("k") == b"v"
    assert RedisCache(private_redis.url, {}).get("missing", "default") == "default"


def test_a_failed_probe_keeps_the_breaker_open(private_redis: PrivateRedis, short_cooldown):
    client = client_for(private_redis.url)
    client.ping()
    failures = metric("redis_call_failures")
    private_redis.pause()
    try:
        with pytest.raises(redis.TimeoutError):
            client.get("k")
        # After the cooldown one caller probes the still-stalled server and fails again.
        wait_until(
            lambda: metric("redis_call_failures") - failures == 2 or answers(client),
            what="a probe after the cooldown",
        )
        assert breaker_for(private_redis.address).is_open
    finally:
        private_redis.resume()
    assert metric("redis_call_failures") - failures == 2
