"""Writes for ingestion: store a validated batch of events all-or-nothing."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.db import transaction

from posthog_api.hourly_counts import SET_COUNTED_LOCAL
from posthog_api.hourly_counts import add_counts
from posthog_api.ingestion.db import server_cursor
from posthog_api.ingestion.parsing import IncomingEvent
from posthog_api.ingestion.persons import PersonBook
from posthog_api.ingestion.persons import save_persons
from posthog_api.models import Team

# Counted into this backend's shard: concurrent batches never wait on each other's count row.
_COUNT_INSERTED = add_counts(
    "SELECT team_id, event, date_trunc('hour', timestamp, 'UTC'), pg_backend_pid() %% 16,"
    " count(*) FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
)

# The events and, in the same statement, their hourly counts (``EventHourlyCount``): only rows
# actually inserted are counted, so a batch sent twice counts once.
INSERT_EVENTS = f"""
WITH inserted AS (
INSERT INTO posthog_api_event
    (uuid, team_id, event, distinct_id, timestamp, created_at, properties, elements_chain,
     session_id, person_id)
SELECT u, %b, e, d, ts, %b, p::jsonb, c, s, pid
FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::timestamptz[], %b::text[], %b::text[],
            %b::text[], %b::uuid[]) AS t(u, e, d, ts, p, c, s, pid)
ON CONFLICT (team_id, uuid) DO NOTHING
RETURNING team_id, event, timestamp
), counted AS (
{_COUNT_INSERTED}
)
SELECT count(*) FROM inserted
"""


def _involved_distinct_ids(events: list[IncomingEvent]) -> list[str]:
    involved: set[str] = set()
    for event in events:
        involved.add(event.distinct_id)
        if event.other_distinct_id is not None:
            involved.add(event.other_distinct_id)
    return sorted(involved)


# A batch touching more distinct ids than this locks its whole team instead (one lock, exclusive),
# so no batch can fill PostgreSQL's shared lock table (max_locks_per_transaction x connections,
# ~6,400 entries by default, shared by every tenant). Normal batches (100 events, up to ~200 ids
# with identifies) stay under it and keep running alongside each other.
MAX_DISTINCT_ID_LOCKS = 256
# The team lock is keyed by one bigint (PostgreSQL's advisory key space apart from the
# (int4, int4) keys of the per-id locks and of the async-query slots); the namespace sits in the
# high half.
_TEAM_LOCK_NAMESPACE = 0x494E4753 << 32


def _lock(cursor: psycopg.Cursor[Any], *, team_id: int, distinct_ids: list[str]) -> None:
    """Take the transaction-scoped advisory locks that serialise person writes for these ids.

    Every batch first takes its team's lock: shared when it locks its distinct ids one by one,
    exclusive when it has more than ``MAX_DISTINCT_ID_LOCKS`` of them (it then excludes every
    other batch of the team and needs no per-id lock). A batch therefore holds at most
    ``MAX_DISTINCT_ID_LOCKS + 1`` locks. The team lock always comes first and the id locks in
    sorted order, so concurrent batches cannot deadlock, and two requests for the same new user
    never create two persons. The person lookup is a separate, later statement so that its
    snapshot sees whatever the lock holders committed.
    """
    team_key = _TEAM_LOCK_NAMESPACE | team_id
    if len(distinct_ids) > MAX_DISTINCT_ID_LOCKS:
        cursor.execute("SELECT pg_advisory_xact_lock(%b::int8)", [team_key])
        return
    keys = sorted({zlib.crc32(d.encode()) - 2**31 for d in distinct_ids})
    # One statement, as before the team lock existed (the hot path pays no extra one). The id
    # locks are computed on the rows of the join with the materialised team lock, so the team
    # lock is always taken first; a cross join is a nested loop, so the ids keep their order.
    cursor.execute(
        """
        WITH team AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(%b::int8))
        SELECT count(pg_advisory_xact_lock(%b::int4, k)) FROM team, unnest(%b::int4[]) AS k
        """,
        [team_key, team_id, keys],
    )


def ingest_events(*, team: Team, events: list[IncomingEvent], now: datetime) -> int:
    """Process persons and store ``events``; returns how many were new (duplicates are skipped).

    All-or-nothing. Outside a transaction (the capture view, ``import_events``) the batch is its
    own transaction, sent in two round trips whatever its size: ``BEGIN`` + locks + person
    lookup, then every write and the ``COMMIT`` (one pipeline each). Inside a caller's
    transaction it runs in a savepoint and the caller commits.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            return _ingest(team=team, events=events, now=now, own_transaction=False)
    # Django's health check would cost a ``SELECT 1`` round trip per request; the first
    # pipeline checks the connection instead: a stale one (closed while the worker idled) is
    # replaced and the batch sent again. Nothing was written before that pipeline.
    reused = connection.connection is not None
    try:
        return _ingest(team=team, events=events, now=now, own_transaction=True)
    except _StaleConnection:
        if not reused:
            raise
        connection.close()
        return _ingest(team=team, events=events, now=now, own_transaction=True)


class _StaleConnection(Exception):
    pass


def _ingest(
    *, team: Team, events: list[IncomingEvent], now: datetime, own_transaction: bool
) -> int:
    distinct_ids = _involved_distinct_ids(events)
    locker = server_cursor()
    raw = locker.connection
    if own_transaction:
        assert raw.autocommit, "outside transaction.atomic Django's connection autocommits"
    try:
        with locker, server_cursor() as reader:
            try:
                with raw.pipeline():
                    if own_transaction:
                        locker.execute("BEGIN")
                    if not settings.INGESTION_SYNCHRONOUS_COMMIT:
                        # Don't wait for the WAL flush at commit: see the setting's note.
                        locker.execute("SET LOCAL synchronous_commit = off")
                    _lock(locker, team_id=team.pk, distinct_ids=distinct_ids)
                    PersonBook.query(reader, team_id=team.pk, distinct_ids=distinct_ids)
            except psycopg.OperationalError as error:
                if own_transaction and raw.broken:
                    raise _StaleConnection() from error
                raise
            book = PersonBook(team_id=team.pk, rows=reader.fetchall())
        person_ids = [book.process(event) for event in events]
        with server_cursor() as cursor, server_cursor() as committer:
            with raw.pipeline():
                save_persons(book, cursor)
                # This statement counts its own rows: the per-row counting trigger stands aside,
                # for this insert only (inside a caller's transaction later inserts count again).
                committer.execute(SET_COUNTED_LOCAL, ["on"])
                cursor.execute(
                    INSERT_EVENTS,
                    [
                        team.pk,
                        now,
                        [e.uuid for e in events],
                        [e.event for e in events],
                        [e.distinct_id for e in events],
                        [e.timestamp for e in events],
                        [e.properties_json for e in events],
                        [e.elements_chain for e in events],
                        [e.session_id for e in events],
                        person_ids,
                    ],
                )
                committer.execute(SET_COUNTED_LOCAL, ["off"])
                if own_transaction:
                    # Queued behind the writes: the commit needs no round trip of its own.
                    committer.execute("COMMIT")
            # The pipeline has synced: the batch is committed (or was refused whole).
            row = cursor.fetchone()
    except BaseException:
        if own_transaction:
            _rollback(raw)
        raise
    return int(row[0]) if row else 0


def _rollback(raw: psycopg.Connection[Any]) -> None:
    """Leave the connection idle after a failed batch, or drop it if it is unusable."""
    if raw.broken or raw.closed:
        connection.close()
        return
    if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        try:
            raw.execute("ROLLBACK")
        except psycopg.Error:
            connection.close()
