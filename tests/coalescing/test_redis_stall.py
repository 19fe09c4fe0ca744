"""Coalescing and whole requests while Redis stalls: a real redis-server of the test's own,
paused with SIGSTOP (it still accepts connections and buffers commands, but never answers) and
resumed with SIGCONT. No mocks."""

from __future__ import annotations

import pytest
import redis
from prometheus_client import REGISTRY

from coalescing.flight import Flight
from coalescing.flight import FlightTiming
from coalescing.flight import Role
from posthog_api.models import Person
from posthog_api.redis_breaker import breaker_for
from posthog_api.redis_client import client_for
from tests.coalescing.conftest import wait_until
from tests.factories import make_key
from tests.redis_server import PrivateRedis

pytestmark = pytest.mark.django_db(transaction=True)


def failures() -> float:
    return REGISTRY.get_sample_value("redis_call_failures_total") or 0.0


def answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def flight(client: redis.Redis, key: str = "k") -> Flight:
    return Flight(client, prefix="stall:", key=key, timing=FlightTiming(heartbeat=5.0))


@pytest.fixture
def person(team):
    return Person.objects.create(team=team)


@pytest.fixture
def everything_on(settings, private_redis: PrivateRedis) -> PrivateRedis:
    """The cache (throttles, results) and the coalescing locks both on the private server."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": private_redis.url},
    }
    settings.QUERY_COALESCING_REDIS_URL = private_redis.url
    return private_redis


def test_requests_during_a_stall_are_answered_and_make_one_redis_attempt_between_them(
    live, owner, team, person, settings, everything_on, counters
):
    settings.REDIS_BREAKER_COOLDOWN_SECONDS = 600  # no probe while the stall lasts
    key = make_key(owner)
    path = f"/api/projects/{team.id}/probes/{person.id}/"
    before = live.request(path, key=key)
    attempts = failures()
    everything_on.pause()
    try:
        during = [live.request(path, key=key) for _ in range(3)]
    finally:
        everything_on.resume()

    assert before.status == 200
    assert [reply.status for reply in during] == [200, 200, 200]
    # Each request still computed the right answer, on its own (coalescing failed open).
    assert [reply.json()["result"]["run"] for reply in during] == [2, 3, 4]
    assert {reply.json()["result"]["events"] for reply in [before, *during]} == {0}
    # Throttles, lock and cache make several Redis calls per request: only the first one of
    # the first request waited on the stalled server; every other call skipped it.
    assert failures() - attempts == 1
    assert counters["fail_open"] == 3


def test_after_the_stall_requests_use_redis_again(
    live, owner, team, person, settings, everything_on, counters
):
    settings.REDIS_BREAKER_COOLDOWN_SECONDS = 0.3
    key = make_key(owner)
    path = f"/api/projects/{team.id}/probes/{person.id}/"
    everything_on.pause()
    try:
        assert live.request(path, key=key).status == 200
    finally:
        everything_on.resume()
    assert breaker_for(everything_on.address).is_open

    wait_until(lambda: answers(client_for(everything_on.url)), what="the breaker to close")
    after = live.request(path, key=key)

    assert after.status == 200
    assert not breaker_for(everything_on.address).is_open
    assert counters["leaders"] == 1  # coalescing took its lock in Redis again


def test_a_lock_command_stuck_in_a_stalled_redis_takes_no_lock_when_it_finally_runs(
    private_redis: PrivateRedis, settings
):
    settings.REDIS_BREAKER_COOLDOWN_SECONDS = 0.3
    client = client_for(private_redis.url)
    client.ping()  # an open connection, so the lock script itself is what gets stuck
    ran = private_redis.eval_calls()
    stuck = flight(client)
    private_redis.pause()
    try:
        with pytest.raises(redis.RedisError):
            stuck.join()  # times out: the caller runs without coalescing
    finally:
        private_redis.resume()
    wait_until(lambda: private_redis.eval_calls() > ran, what="the stuck script to run")

    # It ran after its caller gave up: no lock nobody holds, blocking the key for a lock TTL.
    assert private_redis.admin().exists(stuck.lock_key) == 0
    wait_until(lambda: answers(client), what="the breaker to close")
    assert flight(client).join() is Role.LEADER


def test_a_lock_its_leader_could_not_release_during_a_stall_is_freed_once_redis_answers(
    private_redis: PrivateRedis, settings
):
    settings.REDIS_BREAKER_COOLDOWN_SECONDS = 0.3
    client = client_for(private_redis.url)
    leader = flight(client)
    assert leader.join() is Role.LEADER
    private_redis.pause()
    try:
        with pytest.raises(redis.TimeoutError):
            client.get("anything")  # the stall is noticed: the breaker opens
        with pytest.raises(redis.RedisError):
            leader.finish(b"answer")  # not even sent
    finally:
        private_redis.resume()
    assert private_redis.admin().exists(leader.lock_key) == 1

    wait_until(lambda: answers(client), what="the breaker to close")

    # The next identical request frees the orphaned lock first instead of following a leader
    # that is long gone until its lock expires.
    assert flight(client).join() is Role.LEADER
