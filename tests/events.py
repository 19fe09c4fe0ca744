"""Test helpers that write events and persons directly (plain ORM inserts, no ingestion pipeline).

``create_person(team=team, distinct_ids=["u1", "anon-1"], properties={"email": ...})`` then
``create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-02T10:00:00Z")``.
An event's ``person_id`` is resolved from the distinct_id as ingestion would, when a person exists.
"""

from __future__ import annotations

import uuid as uuid_lib
from datetime import UTC
from datetime import datetime
from typing import Any

from dateutil import parser as date_parser
from django.utils import timezone

from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team


def _as_datetime(value: datetime | str | None) -> datetime:
    if value is None:
        return timezone.now()
    if isinstance(value, str):
        value = date_parser.isoparse(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def create_person(
    *,
    team: Team,
    distinct_ids: list[str],
    properties: dict[str, Any] | None = None,
    is_identified: bool = False,
    created_at: datetime | str | None = None,
    uuid: uuid_lib.UUID | str | None = None,
) -> Person:
    """A person owning ``distinct_ids`` (each distinct_id may belong to one person per team)."""
    person = Person.objects.create(
        team=team,
        properties=properties or {},
        is_identified=is_identified,
        created_at=_as_datetime(created_at),
        **({"uuid": uuid_lib.UUID(str(uuid))} if uuid else {}),
    )
    PersonDistinctId.objects.bulk_create(
        [PersonDistinctId(team=team, person=person, distinct_id=d) for d in distinct_ids]
    )
    return person


def create_event(
    *,
    team: Team,
    event: str,
    distinct_id: str,
    timestamp: datetime | str | None = None,
    properties: dict[str, Any] | None = None,
    elements_chain: str = "",
    uuid: uuid_lib.UUID | str | None = None,
    person_id: uuid_lib.UUID | str | None = None,
) -> Event:
    """One stored event. ``session_id`` comes from ``properties["$session_id"]``."""
    properties = properties or {}
    if person_id is None:
        person_id = (
            PersonDistinctId.objects.filter(team=team, distinct_id=distinct_id)
            .values_list("person__uuid", flat=True)
            .first()
        )
    ts = _as_datetime(timestamp)
    session_id = properties.get("$session_id")
    return Event.objects.create(
        team=team,
        event=event,
        distinct_id=distinct_id,
        timestamp=ts,
        created_at=ts,
        properties=properties,
        elements_chain=elements_chain,
        session_id=str(session_id) if session_id else None,
        person_id=uuid_lib.UUID(str(person_id)) if person_id else None,
        uuid=uuid_lib.UUID(str(uuid)) if uuid else uuid_lib.uuid4(),
    )


def create_events(*, team: Team, events: list[dict[str, Any]]) -> list[Event]:
    """Several events at once: each dict holds ``create_event``'s keyword arguments but ``team``."""
    return [create_event(team=team, **fields) for fields in events]
