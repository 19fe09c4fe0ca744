"""A batch outside a caller's transaction is its own transaction: committed whole or not at all,
and the worker's connection stays usable (or is replaced) whatever happened."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from posthog_api.ingestion.parsing import IncomingEvent
from posthog_api.ingestion.parsing import parse_events
from posthog_api.ingestion.services import ingest_events
from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import Team

pytestmark = pytest.mark.django_db(transaction=True)


def _batch(*distinct_ids: str) -> list[IncomingEvent]:
    raw = [{"event": "e", "distinct_id": d, "properties": {"$set": {"a": 1}}} for d in distinct_ids]
    return parse_events(raw, extra={}, now=timezone.now())


def test_batch_commits_and_connection_is_idle_after(team: Team) -> None:
    assert ingest_events(team=team, events=_batch("u1", "u2"), now=timezone.now()) == 2
    raw = connection.connection
    assert raw is not None
    assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert Event.objects.filter(team=team).count() == 2
    assert Person.objects.filter(team=team).count() == 2


def test_connection_closed_by_the_server_is_replaced_and_the_batch_stored(team: Team) -> None:
    ingest_events(team=team, events=_batch("u1"), now=timezone.now())
    raw = connection.connection
    assert raw is not None
    backend_pid = raw.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])

    assert ingest_events(team=team, events=_batch("u2"), now=timezone.now()) == 1
    assert set(Event.objects.filter(team=team).values_list("distinct_id", flat=True)) == {
        "u1",
        "u2",
    }


def test_batch_refused_at_commit_stores_nothing_and_leaves_connection_usable(team: Team) -> None:
    missing_team = Team(pk=team.pk + 100_000)  # the deferred foreign keys fail at COMMIT
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        ingest_events(team=missing_team, events=_batch("u1", "u2"), now=timezone.now())
    assert Event.objects.count() == 0
    assert Person.objects.count() == 0
    assert ingest_events(team=team, events=_batch("u1"), now=timezone.now()) == 1
