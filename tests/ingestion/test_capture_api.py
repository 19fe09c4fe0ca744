from __future__ import annotations

import base64
import gzip
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import quote

import orjson
import pytest
from rest_framework.test import APIClient

from posthog_api.models import Event
from posthog_api.models import Team
from tests.ingestion.helpers import batch
from tests.ingestion.helpers import post_json
from tests.ingestion.helpers import post_raw
from tests.ingestion.helpers import stored

PATHS = ["/batch/", "/capture/", "/e/", "/i/v0/e/"]


@pytest.mark.parametrize("path", PATHS)
def test_every_capture_path_stores_events(
    anonymous_client: APIClient, team: Team, path: str
) -> None:
    response = post_json(
        anonymous_client, path, batch(team, {"event": "signed_up", "distinct_id": "u1"})
    )
    assert response.status_code == 200
    assert response.json() == {"status": 1}
    event = Event.objects.get(team=team)
    assert (event.event, event.distinct_id) == ("signed_up", "u1")


def test_a_single_event_with_token_is_accepted(anonymous_client: APIClient, team: Team) -> None:
    body = {
        "token": team.api_token,
        "event": "$pageview",
        "distinct_id": "u1",
        "properties": {"$session_id": "s1"},
    }
    assert post_json(anonymous_client, "/capture/", body).status_code == 200
    event = Event.objects.get(team=team)
    assert event.session_id == "s1"
    assert event.properties["$session_id"] == "s1"


def test_token_in_the_query_string_or_event_properties(
    anonymous_client: APIClient, team: Team
) -> None:
    response = post_json(
        anonymous_client, f"/e/?token={team.api_token}", [{"event": "a", "distinct_id": "u1"}]
    )
    assert response.status_code == 200
    body = [{"event": "b", "distinct_id": "u1", "properties": {"token": team.api_token}}]
    assert post_json(anonymous_client, "/e/", body).status_code == 200
    assert sorted(Event.objects.filter(team=team).values_list("event", flat=True)) == ["a", "b"]
    # The token is a credential, not an event property.
    assert "token" not in Event.objects.get(team=team, event="b").properties


def test_gzip_content_encoding(anonymous_client: APIClient, team: Team) -> None:
    response = post_json(
        anonymous_client, "/batch/", batch(team, {"event": "a", "distinct_id": "u1"}), compress=True
    )
    assert response.status_code == 200
    assert stored(team) == 1


def test_gzip_js_compression_parameter(anonymous_client: APIClient, team: Team) -> None:
    raw = gzip.compress(
        orjson.dumps([{"event": "a", "distinct_id": "u1", "properties": {"token": team.api_token}}])
    )
    response = post_raw(
        anonymous_client, "/e/?compression=gzip-js&ver=1.2.3", raw, content_type="text/plain"
    )
    assert response.status_code == 200
    assert stored(team) == 1


def test_form_encoded_base64_data(anonymous_client: APIClient, team: Team) -> None:
    payload = base64.b64encode(
        orjson.dumps({"event": "a", "distinct_id": "u1", "properties": {"token": team.api_token}})
    )
    body = f"data={quote(payload.decode())}".encode()
    response = post_raw(
        anonymous_client, "/e/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert stored(team) == 1


def test_get_with_base64_data(anonymous_client: APIClient, team: Team) -> None:
    payload = base64.b64encode(
        orjson.dumps({"event": "a", "distinct_id": "u1", "properties": {"token": team.api_token}})
    )
    response = anonymous_client.get("/e/", {"data": payload.decode()})
    assert response.status_code == 200
    assert stored(team) == 1


def test_elements_list_becomes_an_elements_chain(anonymous_client: APIClient, team: Team) -> None:
    elements = [
        {
            "tag_name": "a",
            "$el_text": "Sign up",
            "attr__class": "btn btn-primary",
            "attr__href": "/signup",
            "nth_child": 2,
            "nth_of_type": 1,
        },
        {"tag_name": "div", "attr__class": "hero", "nth_child": 1, "nth_of_type": 1},
        {"tag_name": "body", "nth_child": 2, "nth_of_type": 1},
    ]
    event = {"event": "$autocapture", "distinct_id": "u1", "properties": {"$elements": elements}}
    assert post_json(anonymous_client, "/batch/", batch(team, event)).status_code == 200
    stored_event = Event.objects.get(team=team)
    assert stored_event.elements_chain == (
        'a.btn.btn-primary:attr__class="btn btn-primary"attr__href="/signup"href="/signup"'
        'nth-child="2"nth-of-type="1"text="Sign up";div.hero:attr__class="hero"nth-child="1"'
        'nth-of-type="1";body:nth-child="2"nth-of-type="1"'
    )
    assert "$elements" not in stored_event.properties


def test_a_given_elements_chain_is_kept(anonymous_client: APIClient, team: Team) -> None:
    chain = 'button:nth-child="1"nth-of-type="1"text="Go"'
    event = {
        "event": "$autocapture",
        "distinct_id": "u1",
        "properties": {"$elements_chain": chain, "$elements": [{"tag_name": "a"}]},
    }
    post_json(anonymous_client, "/batch/", batch(team, event))
    assert Event.objects.get(team=team).elements_chain == chain


def test_clock_skew_is_corrected_from_sent_at(anonymous_client: APIClient, team: Team) -> None:
    # The client's clock is 2 hours behind: the event happened 10 s before it was sent.
    client_now = datetime.now(UTC) - timedelta(hours=2)
    event = {
        "event": "a",
        "distinct_id": "u1",
        "timestamp": (client_now - timedelta(seconds=10)).isoformat(),
    }
    before = datetime.now(UTC)
    post_json(anonymous_client, "/batch/", batch(team, event, sent_at=client_now.isoformat()))
    after = datetime.now(UTC)
    timestamp = Event.objects.get(team=team).timestamp
    assert before - timedelta(seconds=10) <= timestamp + timedelta(microseconds=1)
    assert timestamp <= after - timedelta(seconds=10) + timedelta(microseconds=1)


def test_offset_means_milliseconds_before_the_request(
    anonymous_client: APIClient, team: Team
) -> None:
    before = datetime.now(UTC)
    post_json(
        anonymous_client,
        "/batch/",
        batch(team, {"event": "a", "distinct_id": "u1", "offset": 60_000}),
    )
    after = datetime.now(UTC)
    timestamp = Event.objects.get(team=team).timestamp
    assert before - timedelta(minutes=1) <= timestamp <= after - timedelta(minutes=1)


def test_timestamp_without_sent_at_is_kept(anonymous_client: APIClient, team: Team) -> None:
    post_json(
        anonymous_client,
        "/batch/",
        batch(team, {"event": "a", "distinct_id": "u1", "timestamp": "2024-01-02T03:04:05.678Z"}),
    )
    assert Event.objects.get(team=team).timestamp == datetime(
        2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC
    )


def test_far_future_timestamps_become_now(anonymous_client: APIClient, team: Team) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    post_json(
        anonymous_client,
        "/batch/",
        batch(team, {"event": "a", "distinct_id": "u1", "timestamp": future}),
    )
    assert Event.objects.get(team=team).timestamp < datetime.now(UTC) + timedelta(minutes=1)


def test_the_same_event_uuid_is_stored_once(anonymous_client: APIClient, team: Team) -> None:
    event = {"event": "a", "distinct_id": "u1", "uuid": str(uuid.uuid4())}
    post_json(anonymous_client, "/batch/", batch(team, event, event))
    post_json(anonymous_client, "/batch/", batch(team, event))
    assert stored(team) == 1


def test_events_go_to_the_token_team_only(anonymous_client: APIClient, team: Team) -> None:
    from tests.factories import make_team

    other = make_team(name="Other")
    post_json(anonymous_client, "/batch/", batch(other, {"event": "a", "distinct_id": "u1"}))
    assert stored(team) == 0
    assert stored(other) == 1


def test_numeric_distinct_ids_and_properties_distinct_id(
    anonymous_client: APIClient, team: Team
) -> None:
    post_json(
        anonymous_client,
        "/batch/",
        batch(
            team,
            {"event": "a", "distinct_id": 42},
            {"event": "b", "properties": {"distinct_id": "from-props"}},
        ),
    )
    assert sorted(Event.objects.filter(team=team).values_list("distinct_id", flat=True)) == [
        "42",
        "from-props",
    ]


def test_browsers_may_post_from_other_origins(anonymous_client: APIClient, team: Team) -> None:
    preflight = anonymous_client.options("/e/", HTTP_ORIGIN="https://shop.example")
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    response = post_json(
        anonymous_client,
        "/e/",
        batch(team, {"event": "a", "distinct_id": "u1"}),
        HTTP_ORIGIN="https://shop.example",
    )
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response["Access-Control-Allow-Credentials"] == "true"
