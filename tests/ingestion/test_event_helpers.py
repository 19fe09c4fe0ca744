"""The direct-insert helpers other areas' tests use (``tests/events.py``)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from posthog_api.models import Event
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team
from tests.events import create_event
from tests.events import create_events
from tests.events import create_person


@pytest.mark.django_db
def test_create_event_resolves_the_person_and_session(team: Team) -> None:
    person = create_person(team=team, distinct_ids=["u1", "anon-1"], properties={"email": "a@b.c"})
    event = create_event(
        team=team,
        event="$autocapture",
        distinct_id="anon-1",
        timestamp="2024-01-02T10:00:00",
        properties={"$session_id": "s1"},
        elements_chain='a:nth-child="1"nth-of-type="1"',
    )
    event.refresh_from_db()
    assert event.person_id == person.uuid
    assert event.session_id == "s1"
    assert event.timestamp == datetime(2024, 1, 2, 10, tzinfo=UTC)
    assert set(
        PersonDistinctId.objects.filter(person=person).values_list("distinct_id", flat=True)
    ) == {"u1", "anon-1"}


@pytest.mark.django_db
def test_events_without_a_person_have_no_person_id(team: Team) -> None:
    (event,) = create_events(team=team, events=[{"event": "a", "distinct_id": "nobody"}])
    assert event.person_id is None
    assert Event.objects.filter(team=team).count() == 1
