"""What followers do when the leader dies, stalls, or Redis goes away (real processes, no mocks)."""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import redis

from coalescing.flight import Flight
from coalescing.flight import FlightTiming
from coalescing.flight import Role
from coalescing.keys import request_key
from posthog_api.models import Person
from tests.coalescing import probe
from tests.coalescing.conftest import wait_until
from tests.factories import make_key

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

# Holds the flight for a key from another process, heart-beating until it is killed.
LEADER_SCRIPT = """
import sys, threading, redis
from coalescing.flight import Flight, FlightTiming, Role
url, prefix, key, heartbeat = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
flight = Flight(redis.Redis.from_url(url), prefix=prefix, key=key, timing=FlightTiming(heartbeat=heartbeat))
assert flight.join() is Role.LEADER
with flight.heartbeat():
    print("leading", flush=True)
    threading.Event().wait()
"""


def probe_key(team_id: int, path: str) -> str:
    return request_key(team_id=str(team_id), method="GET", path=path, query_string="", body=b"")


@pytest.fixture
def person(team):
    return Person.objects.create(team=team)


def test_leader_killed_mid_query_one_follower_takes_over_and_the_rest_are_served(
    live, owner, team, person, settings, counters
):
    settings.QUERY_COALESCING_HEARTBEAT_SECONDS = 0.5
    path = f"/api/projects/{team.id}/probes/{person.id}/"
    leader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            LEADER_SCRIPT,
            settings.QUERY_COALESCING_REDIS_URL,
            settings.REDIS_KEY_PREFIX,
            probe_key(team.id, path),
            "0.5",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert leader.stdout is not None
        assert leader.stdout.readline().strip() == "leading"
        key = make_key(owner)
        batch = live.start([partial(live.request, path, key=key)] * 50)
        wait_until(lambda: counters["followers"] == 50, what="50 followers waiting")
        leader.kill()
        leader.wait(10)
        replies = batch.join()
    finally:
        if leader.poll() is None:
            leader.kill()

    assert {reply.status for reply in replies} == {200}
    assert len({reply.body for reply in replies}) == 1
    assert counters["takeovers"] == 1
    assert counters["shared"] == 49
    assert probe.computation_count() == 1


def test_follower_waiting_past_the_limit_gets_a_retryable_503(
    live, owner, team, person, settings, counters
):
    settings.QUERY_COALESCING_MAX_WAIT_SECONDS = 0.3
    path = f"/api/projects/{team.id}/probes/{person.id}/"
    holder = Flight(
        redis.Redis.from_url(settings.QUERY_COALESCING_REDIS_URL),
        prefix=settings.REDIS_KEY_PREFIX,
        key=probe_key(team.id, path),
        timing=FlightTiming(heartbeat=0.1),
    )
    assert holder.join() is Role.LEADER
    with holder.heartbeat():
        reply = live.request(path, key=make_key(owner))
    holder.release()

    assert reply.status == 503
    assert reply.headers["Retry-After"].isdigit()
    assert reply.json() == {
        "type": "server_error",
        "code": "query_in_progress",
        "detail": "An identical query is still running. Please retry shortly.",
        "attr": None,
    }
    assert counters["timeouts"] == 1
    assert probe.computation_count() == 0


def test_requests_are_still_answered_when_redis_stops(
    live, owner, team, person, settings, private_redis, counters
):
    settings.QUERY_COALESCING_REDIS_URL = private_redis.url
    key = make_key(owner)
    path = f"/api/projects/{team.id}/probes/{person.id}/"
    before = live.request(path, key=key)
    private_redis.process.terminate()
    private_redis.process.wait(10)
    after = live.start([partial(live.request, path, key=key)] * 3).join()

    assert before.status == 200
    assert counters["leaders"] == 1
    assert {reply.status for reply in after} == {200}
    assert counters["fail_open"] == 3
    assert probe.computation_count() == 4
