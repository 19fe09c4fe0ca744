"""Cancelling a running engine statement by (team, client_query_id), and statement timeouts."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from django.db import connection

from insights.queries import cache
from insights.queries.cancel import cancel_query
from insights.queries.db import QueryCancelled
from insights.queries.db import QueryTimedOut
from insights.queries.db import application_name
from insights.queries.db import run_sql
from insights.queries.execution import TIMEOUT_MESSAGE
from insights.queries.execution import Prepared
from insights.queries.execution import calculate_and_cache
from insights.queries.execution import prepare
from insights.queries.runners.trends import TrendsQueryRunner
from insights.queries.status import CANCELLED_MESSAGE
from posthog_api.models import Team

pytestmark = pytest.mark.django_db(transaction=True)


def test_tag_is_team_scoped_and_fits_postgres() -> None:
    tag = application_name(team_id=12345678901, client_query_id="x" * 500)
    assert len(tag) <= 63
    assert tag.startswith("phq:12345678901:")
    assert tag != application_name(team_id=12345678902, client_query_id="x" * 500)


def _run_in_thread(team_id: int, client_query_id: str) -> dict[str, Any]:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            run_sql("SELECT pg_sleep(20)", [], team_id=team_id, client_query_id=client_query_id)
            outcome["result"] = "finished"
        except Exception as exc:
            outcome["result"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    outcome["thread"] = thread
    return outcome


def _wait_until_running(tag: str) -> None:
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [tag]
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the statement never started")


def _unique(label: str) -> str:
    """Tags are cluster-wide: parallel runs of this file must never share one."""
    return f"{label}-{uuid.uuid4().hex}"


def test_cancel_stops_only_the_matching_teams_query() -> None:
    query_id = _unique("abc")
    outcome = _run_in_thread(7001, query_id)
    _wait_until_running(application_name(team_id=7001, client_query_id=query_id))
    assert cancel_query(team_id=7002, client_query_id=query_id) is False  # another team's id
    assert cancel_query(team_id=7001, client_query_id=_unique("other")) is False
    assert cancel_query(team_id=7001, client_query_id=query_id) is True
    outcome["thread"].join(10)
    assert isinstance(outcome["result"], QueryCancelled)


def test_cancel_with_nothing_running_is_false() -> None:
    assert cancel_query(team_id=1, client_query_id=_unique("nothing")) is False


def test_statement_timeout_applies(settings: Any) -> None:
    settings.QUERY_STATEMENT_TIMEOUT_MS = 100
    with pytest.raises(QueryTimedOut):
        run_sql("SELECT pg_sleep(2)", [], team_id=1, client_query_id=None)


def test_tag_and_timeout_do_not_outlive_the_query() -> None:
    run_sql("SELECT 1", [], team_id=1, client_query_id="q")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('application_name'), current_setting('statement_timeout')"
        )
        name, timeout = cursor.fetchone()
    assert not name.startswith("phq:")
    assert timeout == "0"


class SlowTrends(TrendsQueryRunner):
    """A real runner whose statement takes long enough to be cancelled or to time out."""

    def calculate(self) -> dict[str, Any]:
        self.sql("SELECT pg_sleep(20)", [])
        return {"results": []}


def _slow(team: Team, client_query_id: str) -> Prepared:
    query = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    prepared = prepare(team=team, query=query, client_query_id=client_query_id)
    prepared.runner = SlowTrends(
        team=team, query=prepared.runner.query, client_query_id=client_query_id
    )
    return prepared


def test_timed_out_query_reports_an_error_and_is_not_cached(team: Team, settings: Any) -> None:
    settings.QUERY_STATEMENT_TIMEOUT_MS = 100
    prepared = _slow(team, _unique("slow"))
    response = calculate_and_cache(prepared)
    assert response["results"] is None
    assert (response["query_status"]["error"], response["query_status"]["error_message"]) == (
        True,
        TIMEOUT_MESSAGE,
    )
    assert cache.read(prepared.cache_key) is None


def test_cancelled_query_reports_cancelled_and_is_not_cached(team: Team) -> None:
    query_id = _unique("slow")
    prepared = _slow(team, query_id)
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["response"] = calculate_and_cache(prepared)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    _wait_until_running(application_name(team_id=team.pk, client_query_id=query_id))
    assert cancel_query(team_id=team.pk, client_query_id=query_id) is True
    thread.join(10)
    status = outcome["response"]["query_status"]
    assert (status["complete"], status["error"], status["error_message"]) == (
        True,
        True,
        CANCELLED_MESSAGE,
    )
    assert cache.read(prepared.cache_key) is None
