from __future__ import annotations

from datetime import UTC
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from posthog_api.demo import generate_demo_data
from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team
from tests.factories import make_team

END = datetime(2024, 3, 1, 12, tzinfo=UTC)


def _story(team: Team) -> list[tuple[object, ...]]:
    return list(
        Event.objects.filter(team=team)
        .order_by("timestamp", "uuid")
        .values_list(
            "uuid",
            "event",
            "distinct_id",
            "timestamp",
            "properties",
            "elements_chain",
            "session_id",
        )
    )


@pytest.mark.django_db
def test_same_seed_gives_the_same_events() -> None:
    first, second = make_team(name="a"), make_team(name="b")
    assert generate_demo_data(team=first, events=3000, seed=7, end=END) == 3000
    assert generate_demo_data(team=second, events=3000, seed=7, end=END) == 3000
    assert _story(first) == _story(second)


@pytest.mark.django_db
def test_another_seed_gives_other_events() -> None:
    first, second = make_team(name="a"), make_team(name="b")
    generate_demo_data(team=first, events=1000, seed=1, end=END)
    generate_demo_data(team=second, events=1000, seed=2, end=END)
    assert _story(first) != _story(second)


@pytest.mark.django_db
def test_writes_exactly_the_requested_number_of_events_within_the_period(team: Team) -> None:
    written = generate_demo_data(team=team, events=5000, seed=3, days=14, end=END)
    events = Event.objects.filter(team=team)
    assert written == events.count() == 5000
    timestamps = events.values_list("timestamp", flat=True)
    assert max(timestamps) <= END
    assert (END - min(timestamps)).days < 15


@pytest.mark.django_db
def test_the_story_has_every_kind_of_event(team: Team) -> None:
    generate_demo_data(team=team, events=20_000, seed=1, end=END)
    names = set(Event.objects.filter(team=team).values_list("event", flat=True))
    assert {
        "$pageview",
        "$pageleave",
        "$autocapture",
        "$rageclick",
        "$dead_click",
        "$identify",
        "signed_up",
        "purchase",
        "uploaded_file",
    } <= names
    purchase = Event.objects.filter(team=team, event="purchase").first()
    assert purchase is not None
    assert purchase.properties["revenue"] > 0
    assert purchase.properties["currency"] == "USD"
    click = Event.objects.filter(team=team, event="$autocapture").first()
    assert click is not None
    assert click.elements_chain.endswith('body:nth-child="2"nth-of-type="1"')
    assert click.session_id == click.properties["$session_id"]
    urls = (
        Event.objects.filter(team=team, event="$pageview")
        .values("properties__$current_url")
        .distinct()
    )
    assert urls.count() > 100
    assert Event.objects.filter(team=team).values("properties__$browser").distinct().count() >= 4
    assert (
        Event.objects.filter(team=team).values("properties__$geoip_country_code").distinct().count()
        >= 10
    )


@pytest.mark.django_db
def test_identify_merges_the_anonymous_id_into_the_identified_person(team: Team) -> None:
    generate_demo_data(team=team, events=20_000, seed=1, end=END)
    identify = Event.objects.filter(team=team, event="$identify").first()
    assert identify is not None
    anon_id = identify.properties["$anon_distinct_id"]
    anon_map = PersonDistinctId.objects.get(team=team, distinct_id=anon_id)
    identified_map = PersonDistinctId.objects.get(team=team, distinct_id=identify.distinct_id)
    assert anon_map.person_id == identified_map.person_id
    person = Person.objects.get(pk=anon_map.person_id)
    assert person.is_identified
    assert person.properties["email"] == identify.distinct_id
    # Every event's person_id is its distinct_id's (current) person.
    assert str(identify.person_id) == str(person.uuid)
    assert not Event.objects.filter(team=team).filter(person_id__isnull=True).exists()


@pytest.mark.django_db
def test_command_loads_the_demo_once_with_if_empty(team: Team) -> None:
    out = StringIO()
    call_command("generate_demo_data", team=team.pk, events=500, seed=1, stdout=out)
    assert "Generated 500 events" in out.getvalue()
    call_command("generate_demo_data", "--if-empty", team=team.pk, events=500, seed=2, stdout=out)
    assert "already has events" in out.getvalue()
    assert Event.objects.filter(team=team).count() == 500


@pytest.mark.django_db
def test_command_rejects_an_unknown_team() -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("generate_demo_data", team=999_999, events=10, seed=1)
