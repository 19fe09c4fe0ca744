"""The single-flight primitive on real Redis, without Django in the loop."""

from __future__ import annotations

import threading

import pytest
import redis
from django.conf import settings

from coalescing.flight import Flight
from coalescing.flight import FlightTiming
from coalescing.flight import Outcome
from coalescing.flight import Role
from tests.coalescing.conftest import wait_until

FAST = FlightTiming(heartbeat=0.1, max_wait=10.0, result_ttl=5.0, poll=0.02)


@pytest.fixture
def client():
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


def flight(client, key="k", timing=FAST):
    return Flight(client, prefix=settings.REDIS_KEY_PREFIX, key=key, timing=timing)


def test_first_joiner_leads_and_the_next_follows(client):
    assert flight(client).join() is Role.LEADER
    assert flight(client).join() is Role.FOLLOWER
    assert flight(client, key="other").join() is Role.LEADER


def test_follower_receives_the_leaders_payload(client):
    leader = flight(client)
    assert leader.join() is Role.LEADER
    follower = flight(client)
    assert follower.join() is Role.FOLLOWER
    threading.Timer(0.05, leader.finish, args=(b"answer",)).start()

    result = follower.wait()

    assert result.outcome is Outcome.DONE
    assert result.payload == b"answer"
    assert client.exists(leader.lock_key) == 0


def test_follower_told_not_to_share_runs_on_its_own(client):
    leader = flight(client)
    leader.join()
    follower = flight(client)
    follower.join()
    leader.fail()

    assert follower.wait().outcome is Outcome.ERROR


def test_a_request_joining_within_the_grace_reuses_the_finished_answer(client):
    # A request that queued behind the server's busy threads while the leader ran.
    first = flight(client)
    first.join()
    first.finish(b"answer")
    late = flight(client)

    assert late.join(reuse_finished=True) is Role.FOLLOWER
    result = late.wait()
    assert result.outcome is Outcome.DONE
    assert result.payload == b"answer"


def test_once_the_grace_is_over_a_new_round_computes_again(client):
    short = FlightTiming(heartbeat=0.1, max_wait=10.0, result_ttl=1.0, poll=0.02)
    first = flight(client, timing=short)
    first.join()
    first.finish(b"old")
    wait_until(lambda: client.exists(first.done_key) == 0, what="the answer's grace to end")
    second = flight(client, timing=short)

    assert second.join(reuse_finished=True) is Role.LEADER
    assert client.exists(second.done_key) == 0


def test_a_request_that_may_not_reuse_answers_never_sees_the_previous_rounds(client):
    first = flight(client)
    first.join()
    first.finish(b"old")
    second = flight(client)

    assert second.join() is Role.LEADER
    assert client.exists(second.done_key) == 0


def test_a_request_after_an_unshareable_answer_computes_again(client):
    first = flight(client)
    first.join()
    first.fail()
    second = flight(client)

    assert second.join() is Role.LEADER
    assert client.exists(second.err_key) == 0


def test_a_leader_that_lost_its_lock_cannot_publish_or_release_the_successors(client):
    stale = flight(client)
    stale.join()
    client.delete(stale.lock_key)  # as if its TTL ran out while it stalled
    successor = flight(client)
    assert successor.join() is Role.LEADER

    assert stale.finish(b"late") is False
    assert stale.release() is False
    assert client.exists(successor.done_key) == 0
    assert client.get(successor.lock_key) == successor.token.encode()


def test_heartbeat_keeps_the_lock_alive_past_its_ttl(client):
    leader = flight(client)
    leader.join()
    with leader.heartbeat():
        # Wait for several TTLs' worth of heartbeats to pass, synchronised on Redis itself.
        pubsub = client.pubsub()
        pubsub.subscribe("nothing")
        for _ in range(8):
            pubsub.get_message(timeout=FAST.heartbeat)
        pubsub.close()
        assert client.get(leader.lock_key) == leader.token.encode()
    assert leader.finish(b"x") is True
    assert leader.lost_lock is False


def test_exactly_one_follower_takes_over_from_a_dead_leader(client):
    dead = flight(client)
    assert dead.join() is Role.LEADER  # never heart-beats: its lock simply expires
    followers = [flight(client) for _ in range(20)]
    assert all(f.join() is Role.FOLLOWER for f in followers)
    outcomes: list[Outcome] = [Outcome.TIMEOUT] * len(followers)

    def follow(index: int) -> None:
        result = followers[index].wait()
        outcomes[index] = result.outcome
        if result.outcome is Outcome.LEAD:
            followers[index].finish(b"from the new leader")

    threads = [threading.Thread(target=follow, args=(i,)) for i in range(len(followers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcomes.count(Outcome.LEAD) == 1
    assert outcomes.count(Outcome.DONE) == len(followers) - 1


def test_follower_gives_up_after_max_wait_while_the_leader_is_alive(client):
    leader = flight(client)
    leader.join()
    impatient = flight(client, timing=FlightTiming(heartbeat=0.1, max_wait=0.3, poll=0.02))
    impatient.join()
    with leader.heartbeat():
        result = impatient.wait()
    assert result.outcome is Outcome.TIMEOUT
    assert result.payload is None


def test_redis_errors_propagate_so_the_caller_can_fail_open():
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    with pytest.raises(redis.RedisError):
        flight(dead).join()
