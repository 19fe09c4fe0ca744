"""Concurrent identical retrieves of a saved funnel insight compute once over real HTTP."""

from __future__ import annotations

from functools import partial

import pytest

from tests.coalescing.conftest import wait_until
from tests.coalescing.test_insight_endpoints import engine_statements_running
from tests.coalescing.test_insight_endpoints import live_app  # noqa: F401  (a fixture)
from tests.coalescing.test_insight_endpoints import patient  # noqa: F401  (a fixture)
from tests.factories import make_key
from tests.funnel_fixture import FUNNEL
from tests.funnel_fixture import create_funnel_events
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db(transaction=True)

FUNNEL_INSIGHT = {"kind": "InsightVizNode", "source": FUNNEL}


@pytest.fixture
def funnel_events(team):
    create_funnel_events(team)


def test_two_concurrent_funnel_insight_retrieves_compute_once(
    live_app,  # noqa: F811
    owner,
    team,
    funnel_events,
    table_lock,
    counters,
    patient,  # noqa: F811
):
    insight = make_insight(team=team, user=owner, query=FUNNEL_INSIGHT)
    path = f"/api/projects/{team.id}/insights/{insight.id}/?refresh=force_blocking"
    key = make_key(owner)
    batch = live_app.start([partial(live_app.request, path, key=key)] * 2)
    wait_until(lambda: counters["followers"] == 1, what="1 follower waiting")
    wait_until(engine_statements_running, what="the leader's funnel query to be blocked")
    table_lock()
    replies = batch.join()

    assert {reply.status for reply in replies} == {200}
    assert len({reply.body for reply in replies}) == 1
    assert [step["count"] for step in replies[0].json()["result"]] == [2, 1]
    assert counters["leaders"] == 1
    assert counters["shared"] == 1
