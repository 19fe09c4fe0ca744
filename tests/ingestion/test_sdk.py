"""The real posthog Python SDK against a live test server: what it sends lands as expected."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from posthog import Posthog

from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import Team
from tests.ingestion.helpers import person_of


@pytest.fixture(autouse=True)
def _close_server_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    # The live server thread would otherwise keep its connection open past the test run,
    # and the test database could not be dropped.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture
def sdk(live_server: Any, team: Team) -> Any:
    client = Posthog(
        team.api_token,
        host=live_server.url,
        sync_mode=True,
        max_retries=0,
        enable_local_evaluation=False,
    )
    yield client
    client.shutdown()


@pytest.fixture
def gzip_sdk(live_server: Any, team: Team) -> Any:
    client = Posthog(
        team.api_token,
        host=live_server.url,
        flush_at=50,
        gzip=True,
        max_retries=0,
        enable_local_evaluation=False,
    )
    yield client
    client.shutdown()


@pytest.mark.django_db(transaction=True)
def test_capture_identify_alias_and_set_land(sdk: Any, team: Team) -> None:
    sdk.capture(
        "$pageview",
        distinct_id="anon-1",
        properties={"$current_url": "https://x.io/pricing", "$session_id": "s-1"},
    )
    sdk.capture(
        "$identify",
        distinct_id="user-1",
        properties={"$anon_distinct_id": "anon-1", "$set": {"email": "u1@x.io"}},
    )
    sdk.set(distinct_id="user-1", properties={"plan": "pro"})
    sdk.alias(previous_id="user-1", distinct_id="crm-77")
    sdk.capture("purchase", distinct_id="crm-77", properties={"revenue": 29.5})

    events = list(Event.objects.filter(team=team).order_by("timestamp", "id"))
    assert [e.event for e in events] == [
        "$pageview",
        "$identify",
        "$set",
        "$create_alias",
        "purchase",
    ]
    pageview = events[0]
    assert pageview.properties["$current_url"] == "https://x.io/pricing"
    assert pageview.properties["$lib"] == "posthog-python"
    assert pageview.session_id == "s-1"
    assert events[-1].properties["revenue"] == 29.5

    person = person_of(team, "anon-1")
    assert person_of(team, "user-1").pk == person.pk
    assert person_of(team, "crm-77").pk == person.pk
    assert person.is_identified
    assert person.properties == {"email": "u1@x.io", "plan": "pro"}
    assert Person.objects.filter(team=team).count() == 1


@pytest.mark.django_db(transaction=True)
def test_gzip_batches_from_the_sdk_land(gzip_sdk: Any, team: Team) -> None:
    for n in range(120):
        gzip_sdk.capture("clicked", distinct_id=f"user-{n % 7}", properties={"n": n})
    gzip_sdk.flush()
    assert Event.objects.filter(team=team, event="clicked").count() == 120
    assert Person.objects.filter(team=team).count() == 7
