"""Person processing for a batch: who each event belongs to, identify/alias merges, ``$set``.

The batch's persons are loaded once, every event is applied in order in memory (as PostHog's
plugin server does per event), and the changes are written back in a few set-based statements.
Callers hold advisory locks covering every distinct_id involved (see ``services._lock``), so two
requests never create two persons for one distinct_id.

Rules, as in PostHog:
- a normal event creates the person for its distinct_id if needed and applies ``$set_once``
  (only missing keys), ``$set`` and ``$unset``;
- ``$identify`` (``$anon_distinct_id``) and ``$create_alias`` (``alias``) join two distinct_ids:
  if only one has a person the other id is added to it; if neither has one a person is created for
  both; if both have different persons they are merged into the distinct_id's person, unless the
  other person is already identified, in which case the merge is refused (the event is still
  stored). ``$merge_dangerously`` merges even identified persons. The surviving person is identified;
- ``$process_person_profile: false`` creates and changes nothing: the event gets the existing
  person, or a deterministic id derived from the distinct_id (spec §1.3).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

import orjson
import psycopg

from posthog_api.ingestion.parsing import JOIN_ID_PROPERTY
from posthog_api.ingestion.parsing import IncomingEvent

logger = logging.getLogger(__name__)

PERSONLESS_NAMESPACE = uuid.UUID("932979b4-65c3-4424-8467-0b66ec27bc22")
# Distinct ids SDKs send by mistake; merging on them would glue unrelated users together.
ILLEGAL_MERGE_IDS = frozenset(
    {
        "anonymous",
        "guest",
        "distinctid",
        "distinct_id",
        "id",
        "not_authenticated",
        "email",
        "undefined",
        "true",
        "false",
        "null",
        "none",
        "nan",
        "0",
        "[object object]",
        "",
    }
)


def personless_person_id(team_id: int, distinct_id: str) -> uuid.UUID:
    return uuid.uuid5(PERSONLESS_NAMESPACE, f"{team_id}:{distinct_id}")


@dataclass(eq=False)
class PersonRecord:
    uuid: uuid.UUID
    properties: dict[str, Any]
    is_identified: bool
    created_at: datetime
    version: int
    id: int | None = None  # None until inserted

    @property
    def stored(self) -> bool:
        return self.id is not None

    changed: bool = False
    merged_into: PersonRecord | None = None
    new_distinct_ids: list[str] = field(default_factory=list)

    def current(self) -> PersonRecord:
        record = self
        while record.merged_into is not None:
            record = record.merged_into
        return record


@dataclass
class PersonChanges:
    created: list[PersonRecord] = field(default_factory=list)
    # (person merged away, surviving person); both may be new or stored.
    merges: list[tuple[PersonRecord, PersonRecord]] = field(default_factory=list)


class PersonBook:
    """The persons of one batch, keyed by distinct_id, and the changes made to them."""

    def __init__(self, *, team_id: int, rows: list[tuple[Any, ...]]) -> None:
        self.team_id = team_id
        self.by_distinct_id: dict[str, PersonRecord] = {}
        self.changes = PersonChanges()
        self._load(rows)

    @staticmethod
    def query(cursor: psycopg.Cursor[Any], *, team_id: int, distinct_ids: list[str]) -> None:
        """Send the lookup of ``distinct_ids``' persons; its rows go to ``PersonBook(rows=...)``."""
        # Binary results: Django's text timestamptz loader is pure Python and cost more than the
        # query (100 persons a batch); psycopg's binary one is C. Properties come as text, for
        # orjson.
        cursor.execute(
            """
            SELECT pdi.distinct_id, p.id, p.uuid, p.properties::text, p.is_identified, p.created_at,
                   p.version
            FROM posthog_api_persondistinctid pdi
            JOIN posthog_api_person p ON p.id = pdi.person_id
            WHERE pdi.team_id = %b AND pdi.distinct_id = ANY(%b::text[])
            """,
            [team_id, distinct_ids],
            binary=True,
        )

    def _load(self, rows: list[tuple[Any, ...]]) -> None:
        by_id: dict[int, PersonRecord] = {}
        for distinct_id, pk, person_uuid, properties, identified, created_at, version in rows:
            record = by_id.get(pk)
            if record is None:
                if isinstance(properties, str | bytes):
                    properties = orjson.loads(properties)
                record = PersonRecord(
                    id=pk,
                    uuid=person_uuid,
                    properties=properties,
                    is_identified=identified,
                    created_at=created_at,
                    version=version,
                )
                by_id[pk] = record
            self.by_distinct_id[distinct_id] = record

    # -- lookups --------------------------------------------------------------------------------

    def get(self, distinct_id: str) -> PersonRecord | None:
        record = self.by_distinct_id.get(distinct_id)
        return record.current() if record else None

    def _create(
        self, distinct_ids: list[str], *, created_at: datetime, identified: bool
    ) -> PersonRecord:
        record = PersonRecord(
            uuid=uuid.uuid4(),
            properties={},
            is_identified=identified,
            created_at=created_at,
            version=0,
        )
        self.changes.created.append(record)
        for distinct_id in distinct_ids:
            self._attach(distinct_id, record)
        return record

    def _attach(self, distinct_id: str, record: PersonRecord) -> None:
        self.by_distinct_id[distinct_id] = record
        record.new_distinct_ids.append(distinct_id)

    # -- event processing -----------------------------------------------------------------------

    def process(self, event: IncomingEvent) -> uuid.UUID:
        """Apply one event; returns the person uuid the event is stored with."""
        if not event.process_person:
            existing = self.get(event.distinct_id)
            return (
                existing.uuid if existing else personless_person_id(self.team_id, event.distinct_id)
            )
        if event.event in JOIN_ID_PROPERTY:
            record = self._join(event, dangerous=event.event == "$merge_dangerously")
        else:
            record = self.get(event.distinct_id) or self._create(
                [event.distinct_id], created_at=event.timestamp, identified=False
            )
        self._update_properties(record, event)
        return record.uuid

    def _join(self, event: IncomingEvent, *, dangerous: bool) -> PersonRecord:
        into_id = event.distinct_id
        # Both ids were cleaned alike by parsing (``clean_id``).
        other_id = event.other_distinct_id
        if (
            other_id is None
            or other_id == into_id
            or other_id.lower() in ILLEGAL_MERGE_IDS
            or into_id.lower() in ILLEGAL_MERGE_IDS
        ):
            record = self.get(into_id) or self._create(
                [into_id], created_at=event.timestamp, identified=False
            )
            return record
        into = self.get(into_id)
        other = self.get(other_id)
        if other is not None and into is None:
            self._attach(into_id, other)
            result = other
        elif other is None and into is not None:
            self._attach(other_id, into)
            result = into
        elif other is None or into is None:
            result = self._create([into_id, other_id], created_at=event.timestamp, identified=True)
        elif other is into:
            result = into
        elif other.is_identified and not dangerous:
            logger.info(
                "Refused to merge an already identified person (team %s, %s into %s)",
                self.team_id,
                other_id,
                into_id,
            )
            return into
        else:
            self._merge(other, into)
            result = into
        if not result.is_identified:
            result.is_identified = True
            result.changed = True
        return result

    def _merge(self, other: PersonRecord, into: PersonRecord) -> None:
        into.properties = {**other.properties, **into.properties}
        into.created_at = min(into.created_at, other.created_at)
        into.changed = True
        other.merged_into = into
        for distinct_id in other.new_distinct_ids:
            self._attach(distinct_id, into)
        other.new_distinct_ids = []
        for distinct_id, record in list(self.by_distinct_id.items()):
            if record is other:
                self.by_distinct_id[distinct_id] = into
        self.changes.merges.append((other, into))

    @staticmethod
    def _update_properties(record: PersonRecord, event: IncomingEvent) -> None:
        properties = record.properties
        before = dict(properties) if (event.set or event.set_once or event.unset) else None
        for key, value in event.set_once.items():
            properties.setdefault(key, value)
        properties.update(event.set)
        for key in event.unset:
            properties.pop(key, None)
        if before is not None and before != properties:
            record.changed = True


def _json(value: Any) -> str:
    text = orjson.dumps(value).decode()
    # jsonb rejects the NUL character; drop it rather than fail the whole batch.
    return text.replace("\\u0000", "") if "\\u0000" in text else text


def save_persons(book: PersonBook, cursor: psycopg.Cursor[Any]) -> None:
    """Write the book's changes: new persons, merges, new distinct ids, property updates.

    Rows are addressed by ``(team, uuid)`` so no statement needs another's result: the caller can
    send them all in one pipeline round trip.
    """
    team_id = book.team_id
    changes = book.changes
    merged_away = {id(other) for other, _ in changes.merges}
    created = [r for r in changes.created if id(r) not in merged_away]
    records = list({id(r): r for r in book.by_distinct_id.values()}.values())
    new_ids = [(d, r.current()) for r in records for d in r.new_distinct_ids]
    updated = [r for r in records if r.changed and r.merged_into is None and r.stored]
    if created:
        cursor.execute(
            """
            INSERT INTO posthog_api_person (uuid, team_id, properties, is_identified, created_at, version)
            SELECT u, %b, p::jsonb, i, c, 0
            FROM unnest(%b::uuid[], %b::text[], %b::boolean[], %b::timestamptz[]) AS t(u, p, i, c)
            """,
            [
                team_id,
                [r.uuid for r in created],
                [_json(r.properties) for r in created],
                [r.is_identified for r in created],
                [r.created_at for r in created],
            ],
        )
    for other, into in changes.merges:
        if not other.stored:
            continue  # never stored: its distinct ids were moved in memory
        cursor.execute(
            """
            UPDATE posthog_api_persondistinctid
            SET person_id = (SELECT id FROM posthog_api_person WHERE team_id = %b AND uuid = %b),
                version = version + 1
            WHERE team_id = %b AND person_id = %b
            """,
            [team_id, into.current().uuid, team_id, other.id],
        )
        cursor.execute(
            "DELETE FROM posthog_api_person WHERE team_id = %b AND id = %b", [team_id, other.id]
        )
    if new_ids:
        cursor.execute(
            """
            INSERT INTO posthog_api_persondistinctid (team_id, person_id, distinct_id, version)
            SELECT %b, p.id, t.d, 0
            FROM unnest(%b::uuid[], %b::text[]) AS t(u, d)
            JOIN posthog_api_person p ON p.team_id = %b AND p.uuid = t.u
            """,
            [team_id, [r.uuid for _, r in new_ids], [d for d, _ in new_ids], team_id],
        )
    if updated:
        cursor.execute(
            """
            UPDATE posthog_api_person AS p
            SET properties = t.props::jsonb, is_identified = t.identified, created_at = t.created,
                version = p.version + 1
            FROM unnest(%b::uuid[], %b::text[], %b::boolean[], %b::timestamptz[])
                AS t(u, props, identified, created)
            WHERE p.team_id = %b AND p.uuid = t.u
            """,
            [
                [r.uuid for r in updated],
                [_json(r.properties) for r in updated],
                [r.is_identified for r in updated],
                [r.created_at for r in updated],
                team_id,
            ],
        )
