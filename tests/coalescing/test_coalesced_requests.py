"""Identical concurrent requests through a real threaded HTTP server, real Redis and Postgres."""

from __future__ import annotations

from functools import partial

import pytest
from django.utils import timezone

from posthog_api.models import Event
from posthog_api.models import Person
from tests.coalescing import probe
from tests.coalescing.conftest import wait_until
from tests.factories import make_key
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def person(team):
    now = timezone.now()
    Event.objects.bulk_create(
        Event(team=team, event="$pageview", distinct_id=f"d{i}", timestamp=now) for i in range(7)
    )
    return Person.objects.create(team=team)


def test_fifty_identical_cold_requests_compute_once_and_get_identical_bodies(
    live, owner, team, person, counters
):
    key = make_key(owner)
    probe.GATE.clear()
    batch = live.start(
        [partial(live.request, f"/api/projects/{team.id}/probes/{person.id}/", key=key)] * 50
    )
    wait_until(lambda: counters["followers"] == 49, what="49 followers waiting")
    probe.GATE.set()
    replies = batch.join()

    assert {reply.status for reply in replies} == {200}
    assert len({reply.body for reply in replies}) == 1
    assert replies[0].json()["result"] == {"events": 7, "run": 1}
    assert probe.computation_count() == 1
    assert counters["leaders"] == 1
    assert counters["shared"] == 49


def test_post_bodies_differing_only_in_client_query_id_share_one_computation(
    live, owner, team, counters
):
    key = make_key(owner)
    path = f"/api/projects/{team.id}/probes/compute/"
    probe.GATE.clear()
    batch = live.start(
        [
            partial(
                live.request,
                path,
                key=key,
                method="POST",
                body={"client_query_id": f"q{i}", "series": ["$pageview"]},
            )
            for i in range(10)
        ]
    )
    wait_until(lambda: counters["followers"] == 9, what="9 followers waiting")
    probe.GATE.set()
    replies = batch.join()

    assert {reply.status for reply in replies} == {200}
    assert len({reply.body for reply in replies}) == 1
    assert replies[0].json() == {"echo": ["$pageview"], "result": {"events": 0, "run": 1}}
    assert probe.computation_count() == 1


def test_different_parameters_are_not_coalesced(live, owner, team, person, counters):
    key = make_key(owner)
    base = f"/api/projects/{team.id}/probes/{person.id}/"
    first = live.request(base + "?refresh=blocking", key=key)
    second = live.request(base + "?refresh=force_blocking", key=key)

    assert (first.status, second.status) == (200, 200)
    assert probe.computation_count() == 2
    assert counters["leaders"] == 2
    assert counters["followers"] == 0


def test_followers_without_access_get_their_own_errors_at_once_never_the_shared_body(
    live, owner, team, person, outsider, counters
):
    allowed = make_member(team=team)
    restricted = make_member(team=team)
    person.properties = {"allowed": [owner.email, allowed.email]}
    person.save()
    path = f"/api/projects/{team.id}/probes/{person.id}/"
    denied_keys = {
        "no_scope": make_key(allowed, scopes=["dashboard:read"]),
        "object_denied": make_key(restricted),
        "outsider": make_key(outsider),
        "anonymous": None,
        "bad_key": "phx_not_a_key",
    }
    probe.GATE.clear()
    leader = live.start([partial(live.request, path, key=make_key(owner))])
    wait_until(lambda: counters["leaders"] == 1, what="the leader")
    # The leader is still computing: denied followers are answered without waiting for it.
    denied = dict(
        zip(
            denied_keys,
            live.start(
                [partial(live.request, path, key=key) for key in denied_keys.values()]
            ).join(),
            strict=True,
        )
    )
    follower = live.start([partial(live.request, path, key=make_key(allowed))])
    wait_until(lambda: counters["followers"] == len(denied_keys) + 1, what="the allowed follower")
    probe.GATE.set()
    (leader_reply,) = leader.join()
    (allowed_reply,) = follower.join()

    assert denied["no_scope"].status == 403
    assert denied["no_scope"].json()["detail"] == "API key missing required scope 'insight:read'"
    assert denied["object_denied"].status == 403
    assert denied["object_denied"].json()["code"] == "permission_denied"
    assert denied["outsider"].status == 404
    assert denied["outsider"].json()["detail"] == "Project not found."
    assert denied["anonymous"].status == 401
    assert denied["bad_key"].status == 401
    for reply in denied.values():
        assert b'"result"' not in reply.body
    assert leader_reply.status == 200
    assert leader_reply.json()["viewer"] == owner.email
    # The same shared computation, but the caller-dependent field is the follower's own.
    assert allowed_reply.status == 200
    assert allowed_reply.json() == {**leader_reply.json(), "viewer": allowed.email}
    assert counters["shared"] == 1
    assert probe.computation_count() == 1


def test_follower_gets_its_own_404_for_a_missing_object_in_another_team(
    live, owner, team, person, outsider, counters
):
    """An outsider asking for its own team's path with our person id is a different key anyway."""
    outsider_team_id = outsider.current_team_id
    reply = live.request(
        f"/api/projects/{outsider_team_id}/probes/{person.id}/", key=make_key(outsider)
    )
    assert reply.status == 404
    assert probe.computation_count() == 0


def test_a_leaders_4xx_is_never_shared(live, owner, team, person, counters):
    key = make_key(owner)
    path = f"/api/projects/{team.id}/probes/{person.id}/?reject=1"
    probe.GATE.clear()
    batch = live.start([partial(live.request, path, key=key)] * 5)
    wait_until(lambda: counters["followers"] == 4, what="4 followers waiting")
    probe.GATE.set()
    replies = batch.join()

    assert {reply.status for reply in replies} == {400}
    assert replies[0].json()["attr"] == "reject"
    assert counters["not_shared"] == 1
    assert counters["shared"] == 0
    # Each follower ran on its own after the leader said "do not share".
    assert probe.computation_count() == 5


def test_a_leaders_failed_or_cancelled_query_status_is_never_shared(
    live, owner, team, person, counters
):
    key = make_key(owner)
    path = f"/api/projects/{team.id}/probes/{person.id}/?cancelled=1"
    probe.GATE.clear()
    batch = live.start([partial(live.request, path, key=key)] * 3)
    wait_until(lambda: counters["followers"] == 2, what="2 followers waiting")
    probe.GATE.set()
    replies = batch.join()

    assert {reply.status for reply in replies} == {200}
    assert counters["not_shared"] == 1
    assert counters["shared"] == 0
    assert probe.computation_count() == 3


def test_a_leaders_server_error_is_shared_rather_than_recomputed(
    live, owner, team, person, counters
):
    key = make_key(owner)
    path = f"/api/projects/{team.id}/probes/{person.id}/?explode=1"
    probe.GATE.clear()
    batch = live.start([partial(live.request, path, key=key)] * 5)
    wait_until(lambda: counters["followers"] == 4, what="4 followers waiting")
    probe.GATE.set()
    replies = batch.join()

    assert {reply.status for reply in replies} == {500}
    assert replies[0].json()["type"] == "server_error"
    assert counters["shared"] == 4
    assert probe.computation_count() == 1


def test_actions_not_listed_for_coalescing_pass_through(live, owner, team, person, counters):
    reply = live.request(
        f"/api/projects/{team.id}/probes/{person.id}/", key=make_key(owner), method="DELETE"
    )
    assert reply.status == 405
    assert counters["leaders"] == 0
    assert counters["followers"] == 0


def test_current_team_alias_is_never_coalesced(live, owner, team, person, counters):
    reply = live.request(f"/api/projects/@current/probes/{person.id}/", key=make_key(owner))
    assert reply.status == 200
    assert counters["leaders"] == 0


def test_disabled_coalescing_lets_every_request_compute(
    live, owner, team, person, settings, counters
):
    settings.QUERY_COALESCING_ENABLED = False
    key = make_key(owner)
    replies = live.start(
        [partial(live.request, f"/api/projects/{team.id}/probes/{person.id}/", key=key)] * 3
    ).join()
    assert {reply.status for reply in replies} == {200}
    assert probe.computation_count() == 3
    assert counters["leaders"] == 0


def test_metrics_endpoint_exposes_the_counters(live, owner, team, person):
    live.request(f"/api/projects/{team.id}/probes/{person.id}/", key=make_key(owner))
    reply = live.request("/metrics")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/plain")
    text = reply.body.decode()
    for name in ("leaders", "followers", "takeovers", "timeouts", "fail_open"):
        assert f"query_coalescing_{name}_total" in text
