"""Person processing through the capture endpoint: creation, $set, identify, alias, merges."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from posthog_api.ingestion.persons import personless_person_id
from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team
from tests.events import create_person
from tests.ingestion.helpers import batch
from tests.ingestion.helpers import person_of
from tests.ingestion.helpers import post_json

pytestmark = pytest.mark.django_db


def send(client: APIClient, team: Team, *events: dict[str, Any]) -> None:
    response = post_json(client, "/batch/", batch(team, *events))
    assert response.status_code == 200, response.content


def identify(distinct_id: str, anon: str, **person: Any) -> dict[str, Any]:
    return {
        "event": "$identify",
        "distinct_id": distinct_id,
        "properties": {"$anon_distinct_id": anon, "$set": person},
    }


def test_a_new_distinct_id_gets_a_person_with_its_set_properties(
    anonymous_client: APIClient, team: Team
) -> None:
    send(
        anonymous_client,
        team,
        {
            "event": "a",
            "distinct_id": "u1",
            "properties": {"$set": {"plan": "pro"}, "$set_once": {"first": "x"}},
        },
    )
    person = person_of(team, "u1")
    assert person.properties == {"plan": "pro", "first": "x"}
    assert not person.is_identified
    assert Event.objects.get(team=team).person_id == person.uuid


def test_set_once_keeps_the_first_value_and_set_overwrites(
    anonymous_client: APIClient, team: Team
) -> None:
    send(
        anonymous_client,
        team,
        {
            "event": "a",
            "distinct_id": "u1",
            "properties": {"$set": {"plan": "free"}, "$set_once": {"source": "ad"}},
        },
    )
    send(
        anonymous_client,
        team,
        {
            "event": "a",
            "distinct_id": "u1",
            "properties": {"$set": {"plan": "pro"}, "$set_once": {"source": "seo"}},
        },
    )
    person = person_of(team, "u1")
    assert person.properties == {"plan": "pro", "source": "ad"}
    assert person.version == 1


def test_unset_removes_properties(anonymous_client: APIClient, team: Team) -> None:
    send(
        anonymous_client,
        team,
        {"event": "a", "distinct_id": "u1", "properties": {"$set": {"a": 1, "b": 2}}},
    )
    send(
        anonymous_client, team, {"event": "a", "distinct_id": "u1", "properties": {"$unset": ["a"]}}
    )
    assert person_of(team, "u1").properties == {"b": 2}


def test_identify_adds_the_new_id_to_the_anonymous_person(
    anonymous_client: APIClient, team: Team
) -> None:
    send(anonymous_client, team, {"event": "$pageview", "distinct_id": "anon-1"})
    anonymous = person_of(team, "anon-1")
    send(anonymous_client, team, identify("user@example.com", "anon-1", email="user@example.com"))
    person = person_of(team, "user@example.com")
    assert person.pk == anonymous.pk
    assert person.is_identified
    assert person.properties == {"email": "user@example.com"}
    assert Person.objects.filter(team=team).count() == 1


def test_identify_merges_the_anonymous_person_into_the_identified_one(
    anonymous_client: APIClient, team: Team
) -> None:
    send(
        anonymous_client,
        team,
        {
            "event": "$pageview",
            "distinct_id": "anon-1",
            "properties": {"$set": {"landing": "/blog", "plan": "free"}},
        },
        {"event": "login", "distinct_id": "user-1", "properties": {"$set": {"plan": "pro"}}},
    )
    identified = person_of(team, "user-1")
    send(anonymous_client, team, identify("user-1", "anon-1"))
    assert person_of(team, "anon-1").pk == identified.pk
    person = Person.objects.get(team=team)
    # The identified person's values win; the anonymous one's fill the gaps.
    assert person.properties == {"landing": "/blog", "plan": "pro"}
    assert person.is_identified
    # Old events follow the merge: their distinct_id now resolves to the surviving person.
    resolved = {
        e.distinct_id: PersonDistinctId.objects.get(team=team, distinct_id=e.distinct_id).person_id
        for e in Event.objects.filter(team=team)
    }
    assert set(resolved.values()) == {person.pk}


def test_identify_with_no_persons_creates_one_for_both_ids(
    anonymous_client: APIClient, team: Team
) -> None:
    send(anonymous_client, team, identify("user-1", "anon-1", email="a@b.c"))
    assert person_of(team, "user-1").pk == person_of(team, "anon-1").pk
    assert person_of(team, "user-1").is_identified


def test_merging_two_identified_persons_is_refused(anonymous_client: APIClient, team: Team) -> None:
    send(anonymous_client, team, identify("alice", "anon-a"), identify("bob", "anon-b"))
    alice, bob = person_of(team, "alice"), person_of(team, "bob")
    send(anonymous_client, team, identify("alice", "bob"))
    assert person_of(team, "bob").pk == bob.pk
    assert person_of(team, "alice").pk == alice.pk
    assert Person.objects.filter(team=team).count() == 2
    # The refused identify is still stored as an event.
    assert Event.objects.filter(team=team, event="$identify").count() == 3


def test_merge_dangerously_merges_identified_persons(
    anonymous_client: APIClient, team: Team
) -> None:
    send(anonymous_client, team, identify("alice", "anon-a"), identify("bob", "anon-b"))
    send(
        anonymous_client,
        team,
        {"event": "$merge_dangerously", "distinct_id": "alice", "properties": {"alias": "bob"}},
    )
    assert person_of(team, "bob").pk == person_of(team, "alice").pk
    assert Person.objects.filter(team=team).count() == 1


def test_create_alias_links_two_ids(anonymous_client: APIClient, team: Team) -> None:
    send(
        anonymous_client,
        team,
        {"event": "a", "distinct_id": "old-id"},
        {"event": "b", "distinct_id": "new-id"},
    )
    send(
        anonymous_client,
        team,
        {"event": "$create_alias", "distinct_id": "old-id", "properties": {"alias": "new-id"}},
    )
    assert person_of(team, "old-id").pk == person_of(team, "new-id").pk
    assert Person.objects.filter(team=team).count() == 1


def test_merges_within_one_batch(anonymous_client: APIClient, team: Team) -> None:
    send(
        anonymous_client,
        team,
        {
            "event": "$pageview",
            "distinct_id": "anon-1",
            "properties": {"$set_once": {"landing": "/"}},
        },
        {
            "event": "signed_up",
            "distinct_id": "user-1",
            "properties": {"$set": {"email": "u@x.io"}},
        },
        identify("user-1", "anon-1"),
        {"event": "$pageview", "distinct_id": "anon-1"},
    )
    person = Person.objects.get(team=team)
    assert person.properties == {"landing": "/", "email": "u@x.io"}
    assert set(person.distinct_ids.values_list("distinct_id", flat=True)) == {"anon-1", "user-1"}
    last = Event.objects.filter(team=team).order_by("-id").first()
    assert last is not None
    assert last.person_id == person.uuid


def test_illegal_ids_are_not_merged(anonymous_client: APIClient, team: Team) -> None:
    send(anonymous_client, team, identify("alice", "anon-a"), identify("bob", "undefined"))
    assert not PersonDistinctId.objects.filter(team=team, distinct_id="undefined").exists()


def test_personless_events_create_no_person(anonymous_client: APIClient, team: Team) -> None:
    send(
        anonymous_client,
        team,
        {
            "event": "a",
            "distinct_id": "ghost",
            "properties": {"$process_person_profile": False, "$set": {"x": 1}},
        },
    )
    assert not Person.objects.filter(team=team).exists()
    assert Event.objects.get(team=team).person_id == personless_person_id(team.pk, "ghost")


def test_personless_events_of_a_known_person_keep_its_id(
    anonymous_client: APIClient, team: Team
) -> None:
    person = create_person(team=team, distinct_ids=["known"], properties={"a": 1})
    send(
        anonymous_client,
        team,
        {
            "event": "a",
            "distinct_id": "known",
            "properties": {"$process_person_profile": False, "$set": {"a": 2}},
        },
    )
    person.refresh_from_db()
    assert person.properties == {"a": 1}
    assert Event.objects.get(team=team).person_id == person.uuid


def test_persons_are_per_team(anonymous_client: APIClient, team: Team) -> None:
    from tests.factories import make_team

    other = make_team(name="Other")
    create_person(team=other, distinct_ids=["u1"], properties={"other": True})
    send(
        anonymous_client,
        team,
        {"event": "a", "distinct_id": "u1", "properties": {"$set": {"mine": True}}},
    )
    assert person_of(team, "u1").properties == {"mine": True}
    assert person_of(other, "u1").properties == {"other": True}


@pytest.mark.parametrize(
    ("event", "other_key"),
    [("$identify", "$anon_distinct_id"), ("$create_alias", "alias")],
)
def test_nul_characters_in_the_other_id_are_dropped_like_in_distinct_id(
    anonymous_client: APIClient, team: Team, event: str, other_key: str
) -> None:
    send(anonymous_client, team, {"event": "a", "distinct_id": "anon-1"})
    send(
        anonymous_client,
        team,
        {"event": event, "distinct_id": "user\u00001", "properties": {other_key: " anon\u0000-1"}},
    )
    assert person_of(team, "user1") == person_of(team, "anon-1")
    assert PersonDistinctId.objects.filter(team=team).count() == 2


def test_a_numeric_anon_id_joins_like_a_numeric_distinct_id(
    anonymous_client: APIClient, team: Team
) -> None:
    send(anonymous_client, team, {"event": "a", "distinct_id": 12345})
    send(anonymous_client, team, identify("user-1", 12345))  # type: ignore[arg-type]
    assert person_of(team, "user-1") == person_of(team, "12345")
