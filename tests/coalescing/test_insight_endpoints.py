"""Coalescing on the real insight retrieve and query endpoints (real engine, Redis, Postgres).

The leader is held mid-query by an exclusive lock on the events table, so every follower is
waiting before it finishes; with ``refresh=force_blocking`` each computation stamps its own
``last_refresh``, so identical bodies prove a single computation.
"""

from __future__ import annotations

from functools import partial

import pytest
import redis

from insights.queries.db import application_name
from tests.async_queries.helpers import tagged_backends
from tests.coalescing.conftest import wait_until
from tests.events import create_event
from tests.factories import make_key
from tests.insights.factories import make_insight
from tests.insights.factories import trends_query

pytestmark = pytest.mark.django_db(transaction=True)

DATE_RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-04"}


@pytest.fixture
def live_app(live, settings):
    settings.ROOT_URLCONF = "posthog_api.urls"
    return live


@pytest.fixture
def events(team):
    for day in ("02", "03", "03"):
        create_event(
            team=team, event="$pageview", distinct_id="u1", timestamp=f"2024-01-{day}T10:00:00Z"
        )


def engine_statements_running() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'phq:%%'"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] >= 1


@pytest.fixture
def patient(settings):
    """No timer decides the outcome, however loaded the box: followers wait as long as it takes,
    the leader's lock cannot expire under a starved heartbeat, and a slow Redis answer is not
    taken for a stalled server (which would open the breaker and make followers run alone), nor
    a long wait on the table lock for a runaway statement."""
    settings.QUERY_STATEMENT_TIMEOUT_MS = 3_600_000
    settings.QUERY_COALESCING_MAX_WAIT_SECONDS = 3600
    settings.QUERY_COALESCING_HEARTBEAT_SECONDS = 600
    settings.REDIS_READ_TIMEOUT_SECONDS = 60
    settings.REDIS_TIMEOUT_SECONDS = 60


def test_fifty_concurrent_insight_retrieves_compute_once(
    live_app, owner, team, events, table_lock, counters, patient
):
    insight = make_insight(team=team, user=owner, query=trends_query(dateRange=DATE_RANGE))
    path = f"/api/projects/{team.id}/insights/{insight.id}/?refresh=force_blocking"
    key = make_key(owner)
    batch = live_app.start([partial(live_app.request, path, key=key)] * 50)
    wait_until(lambda: counters["followers"] == 49, what="49 followers waiting")
    wait_until(engine_statements_running, what="the leader's query to be blocked")
    table_lock()
    replies = batch.join()

    assert {reply.status for reply in replies} == {200}
    assert len({reply.body for reply in replies}) == 1
    body = replies[0].json()
    assert body["id"] == insight.id
    assert sum(body["result"][0]["data"]) == 3
    assert counters["leaders"] == 1
    assert counters["shared"] == 49


def test_a_follower_gets_its_own_access_level_with_the_shared_result(
    live_app, owner, teammate, team, events, table_lock, counters, outsider
):
    insight = make_insight(team=team, user=owner, query=trends_query(dateRange=DATE_RANGE))
    path = f"/api/projects/{team.id}/insights/{insight.id}/?refresh=force_blocking"
    leader = live_app.start([partial(live_app.request, path, key=make_key(owner))])
    wait_until(engine_statements_running, what="the leader's query to be blocked")
    followers = live_app.start(
        [
            partial(live_app.request, path, key=make_key(teammate)),
            partial(live_app.request, path, key=make_key(teammate, scopes=["query:read"])),
            partial(live_app.request, path, key=make_key(outsider)),
        ]
    )
    wait_until(lambda: counters["followers"] == 3, what="3 followers waiting")
    table_lock()
    (owner_reply,) = leader.join()
    teammate_reply, no_scope_reply, outsider_reply = followers.join()

    assert owner_reply.status == teammate_reply.status == 200
    assert owner_reply.json()["user_access_level"] == "manager"
    assert teammate_reply.json()["user_access_level"] == "editor"
    assert teammate_reply.json() == {**owner_reply.json(), "user_access_level": "editor"}
    assert no_scope_reply.status == 403
    assert no_scope_reply.json()["detail"] == "API key missing required scope 'insight:read'"
    assert outsider_reply.status == 404
    for denied in (no_scope_reply, outsider_reply):
        assert b'"result"' not in denied.body
    # Each follower was checked on its own first; only the teammate waited for the shared answer.
    assert counters["shared"] == 1


def test_concurrent_queries_differing_only_in_client_query_id_compute_once(
    live_app, owner, team, events, table_lock, counters
):
    path = f"/api/projects/{team.id}/query/"
    query = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    query["dateRange"] = DATE_RANGE
    key = make_key(owner)
    calls = [
        partial(
            live_app.request,
            path,
            key=key,
            method="POST",
            body={"query": query, "client_query_id": f"c{i}", "refresh": "force_blocking"},
        )
        for i in range(10)
    ]
    batch = live_app.start(calls)
    wait_until(lambda: counters["followers"] == 9, what="9 followers waiting")
    wait_until(engine_statements_running, what="the leader's query to be blocked")
    table_lock()
    replies = batch.join()

    assert {reply.status for reply in replies} == {200}
    assert len({reply.body for reply in replies}) == 1
    assert sum(replies[0].json()["results"][0]["data"]) == 3
    assert counters["leaders"] == 1


def test_cancelling_a_running_blocking_query_returns_the_cancelled_status_and_caches_nothing(
    live_app, owner, team, events, table_lock, api_client
):
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": DATE_RANGE,
    }
    path = f"/api/projects/{team.id}/query/"
    body = {"query": query, "client_query_id": "blocking-1", "refresh": "force_blocking"}
    running = live_app.start(
        [partial(live_app.request, path, key=make_key(owner), method="POST", body=body)]
    )
    tag = application_name(team_id=team.pk, client_query_id="blocking-1")
    wait_until(lambda: tagged_backends(tag) == 1, what="the blocking query to run")
    cancel = api_client.post(
        f"/api/projects/{team.id}/insights/cancel/", {"client_query_id": "blocking-1"}
    )
    (reply,) = running.join()
    table_lock()

    assert cancel.status_code == 201
    assert reply.status == 200
    assert reply.json()["results"] is None
    assert reply.json()["query_status"]["error"] is True
    assert reply.json()["query_status"]["error_message"] == "Query cancelled"
    cached = api_client.post(path, {"query": query, "refresh": "force_cache"})
    assert cached.json()["results"] is None
    assert cached.json()["is_cached"] is False


def test_another_teams_cancel_never_touches_a_running_query(
    live_app, owner, team, events, table_lock, outsider
):
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": DATE_RANGE,
    }
    path = f"/api/projects/{team.id}/query/"
    body = {"query": query, "client_query_id": "mine", "refresh": "force_blocking"}
    running = live_app.start(
        [partial(live_app.request, path, key=make_key(owner), method="POST", body=body)]
    )
    tag = application_name(team_id=team.pk, client_query_id="mine")
    wait_until(lambda: tagged_backends(tag) == 1, what="the blocking query to run")
    other_team = outsider.current_team_id
    cancel = live_app.request(
        f"/api/projects/{other_team}/insights/cancel/",
        key=make_key(outsider),
        method="POST",
        body={"client_query_id": "mine"},
    )
    assert cancel.status == 201
    assert tagged_backends(tag) == 1
    table_lock()
    (reply,) = running.join()

    assert reply.status == 200
    assert sum(reply.json()["results"][0]["data"]) == 3


def test_a_blocking_insight_retrieve_is_cancelled_by_its_client_query_id(
    live_app, owner, team, events, table_lock, api_client
):
    insight = make_insight(team=team, user=owner, query=trends_query(dateRange=DATE_RANGE))
    detail = f"/api/projects/{team.id}/insights/{insight.id}/"
    running = live_app.start(
        [
            partial(
                live_app.request,
                f"{detail}?refresh=blocking&client_query_id=abc",
                key=make_key(owner),
            )
        ]
    )
    tag = application_name(team_id=team.pk, client_query_id="abc")
    wait_until(lambda: tagged_backends(tag) == 1, what="the insight's query to run")
    cancel = api_client.post(
        f"/api/projects/{team.id}/insights/cancel/", {"client_query_id": "abc"}
    )
    (reply,) = running.join()
    table_lock()

    assert cancel.status_code == 201
    assert reply.status == 200
    body = reply.json()
    assert body["id"] == insight.id
    assert body["result"] is None
    assert body["query_status"]["error"] is True
    assert body["query_status"]["complete"] is True
    assert body["query_status"]["error_message"] == "Query cancelled"
    assert body["query_status"]["id"] == "abc"
    cached = api_client.get(detail)
    assert cached.json()["result"] is None
    assert cached.json()["is_cached"] is False


def qc_keys(settings) -> list[bytes]:
    return list(
        redis.Redis.from_url(settings.REDIS_URL).scan_iter(f"{settings.REDIS_KEY_PREFIX}qc:*")
    )


def test_a_cached_insight_retrieve_takes_no_coalescing_lock(
    owner, team, events, api_client, counters, settings
):
    insight = make_insight(team=team, user=owner, query=trends_query(dateRange=DATE_RANGE))
    detail = f"/api/projects/{team.id}/insights/{insight.id}/"
    warm = api_client.get(detail, {"refresh": "blocking"})
    assert warm.status_code == 200
    assert counters["leaders"] == 1
    assert qc_keys(settings) != []  # the computing request led a flight and stored its answer
    redis.Redis.from_url(settings.REDIS_URL).delete(*qc_keys(settings))

    for params in ({}, {"refresh": "force_cache"}, {"refresh": "false"}):
        hit = api_client.get(detail, params)
        assert hit.status_code == 200
        assert hit.json()["is_cached"] is True
        assert sum(hit.json()["result"][0]["data"]) == 3

    assert counters["leaders"] == 1
    assert counters["followers"] == 0
    assert qc_keys(settings) == []


def test_a_retrieve_that_may_compute_is_still_coalesced(owner, team, events, api_client, counters):
    insight = make_insight(team=team, user=owner, query=trends_query(dateRange=DATE_RANGE))
    detail = f"/api/projects/{team.id}/insights/{insight.id}/"
    for refresh in ("blocking", "async_except_on_cache_miss", "force_blocking"):
        assert api_client.get(detail, {"refresh": refresh}).status_code == 200
    assert counters["leaders"] == 3


def test_a_force_blocking_retrieve_queued_behind_an_identical_one_takes_its_answer(
    owner, team, events, api_client, counters
):
    # Stands for a request that waited in the server's queue while the first one computed.
    insight = make_insight(team=team, user=owner, query=trends_query(dateRange=DATE_RANGE))
    detail = f"/api/projects/{team.id}/insights/{insight.id}/"
    first = api_client.get(detail, {"refresh": "force_blocking"})
    late = api_client.get(detail, {"refresh": "force_blocking"})

    assert first.status_code == late.status_code == 200
    assert late.json()["last_refresh"] == first.json()["last_refresh"]
    assert counters["leaders"] == 1
    assert counters["shared"] == 1


def test_a_blocking_retrieve_after_an_identical_one_reads_the_cache_not_its_answer(
    owner, team, events, api_client, counters
):
    insight = make_insight(team=team, user=owner, query=trends_query(dateRange=DATE_RANGE))
    detail = f"/api/projects/{team.id}/insights/{insight.id}/"
    first = api_client.get(detail, {"refresh": "blocking"}).json()
    second = api_client.get(detail, {"refresh": "blocking"}).json()

    assert first["is_cached"] is False
    assert second["is_cached"] is True
    assert counters["shared"] == 0


@pytest.mark.parametrize("where", ["body", "query_string"])
def test_a_force_blocking_query_queued_behind_an_identical_one_takes_its_answer(
    team, events, api_client, counters, where
):
    query = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    query["dateRange"] = DATE_RANGE
    path = f"/api/projects/{team.id}/query/"
    body: dict[str, object] = {"query": query}
    if where == "body":
        body["refresh"] = "force_blocking"
    else:
        path += "?refresh=force_blocking"
    first = api_client.post(path, body, format="json")
    late = api_client.post(path, body, format="json")

    assert first.status_code == late.status_code == 200
    assert late.json()["last_refresh"] == first.json()["last_refresh"]
    assert counters["leaders"] == 1
    assert counters["shared"] == 1


def test_a_blocking_query_after_an_identical_one_reads_the_cache_not_its_answer(
    team, events, api_client, counters
):
    query = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    query["dateRange"] = DATE_RANGE
    path = f"/api/projects/{team.id}/query/"
    first = api_client.post(path, {"query": query, "refresh": "blocking"}, format="json").json()
    second = api_client.post(path, {"query": query, "refresh": "blocking"}, format="json").json()

    assert first["is_cached"] is False
    assert second["is_cached"] is True
    assert counters["shared"] == 0
