"""Bad input: a clear error in PostHog's format, and nothing stored (a batch is all-or-nothing)."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest
from rest_framework.test import APIClient

from posthog_api.ingestion.parsing import MAX_PROPERTIES_DEPTH
from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import Team
from tests.ingestion.helpers import batch
from tests.ingestion.helpers import post_json
from tests.ingestion.helpers import post_raw

GOOD = {"event": "good", "distinct_id": "u1", "properties": {"$set": {"email": "a@example.com"}}}


def _assert_nothing_stored() -> None:
    assert not Event.objects.exists()
    assert not Person.objects.exists()


def _error(response: Any, status: int, code: str, attr: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"type", "code", "detail", "attr"}
    assert body["code"] == code
    assert body["attr"] == attr
    assert body["detail"]
    return body


def test_malformed_json_is_400(anonymous_client: APIClient, team: Team) -> None:
    body = _error(
        post_raw(anonymous_client, "/batch/", b'{"api_key": "x", "batch": ['),
        400,
        "invalid_payload",
    )
    assert body["type"] == "validation_error"
    assert body["detail"].startswith("Malformed request data")
    _assert_nothing_stored()


def test_bad_gzip_is_400(anonymous_client: APIClient, team: Team) -> None:
    raw = orjson.dumps(batch(team, GOOD))
    _error(
        post_raw(anonymous_client, "/batch/", raw, HTTP_CONTENT_ENCODING="gzip"),
        400,
        "invalid_payload",
    )
    truncated = gzip.compress(raw)[:-12]
    _error(
        post_raw(anonymous_client, "/batch/", truncated, HTTP_CONTENT_ENCODING="gzip"),
        400,
        "invalid_payload",
    )
    _assert_nothing_stored()


def test_gzip_with_trailing_bytes_is_400(anonymous_client: APIClient, team: Team) -> None:
    raw = gzip.compress(orjson.dumps(batch(team, GOOD))) + b"junk"
    body = _error(
        post_raw(anonymous_client, "/batch/", raw, HTTP_CONTENT_ENCODING="gzip"),
        400,
        "invalid_payload",
    )
    assert "trailing" in body["detail"]
    _assert_nothing_stored()


def test_concatenated_gzip_members_are_one_body(anonymous_client: APIClient, team: Team) -> None:
    raw = orjson.dumps(batch(team, GOOD))
    members = gzip.compress(raw[:10]) + gzip.compress(raw[10:])
    response = post_raw(anonymous_client, "/batch/", members, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200, response.content
    assert Event.objects.filter(team=team).count() == 1


def test_bad_base64_is_400(anonymous_client: APIClient, team: Team) -> None:
    response = post_raw(
        anonymous_client,
        "/e/",
        b"data=%%%not-base64***",
        content_type="application/x-www-form-urlencoded",
    )
    _error(response, 400, "invalid_payload")
    _assert_nothing_stored()


def test_missing_token_is_401(anonymous_client: APIClient, team: Team) -> None:
    body = _error(post_json(anonymous_client, "/batch/", {"batch": [GOOD]}), 401, "missing_api_key")
    assert body["type"] == "authentication_error"
    _assert_nothing_stored()


def test_unknown_token_is_401(anonymous_client: APIClient, team: Team) -> None:
    body = _error(
        post_json(anonymous_client, "/batch/", {"api_key": "phc_nope", "batch": [GOOD]}),
        401,
        "invalid_api_key",
    )
    assert body["detail"].startswith("Project API key invalid")
    _assert_nothing_stored()


def test_a_token_with_a_nul_character_is_401(anonymous_client: APIClient, team: Team) -> None:
    body = _error(
        post_json(anonymous_client, "/batch/", {"api_key": "phc_\x00", "batch": [GOOD]}),
        401,
        "invalid_api_key",
    )
    assert body["type"] == "authentication_error"
    _assert_nothing_stored()


@pytest.mark.parametrize(
    ("bad_event", "attr"),
    [
        ({"distinct_id": "u2"}, "batch__1__event"),
        ({"event": "", "distinct_id": "u2"}, "batch__1__event"),
        ({"event": "x"}, "batch__1__distinct_id"),
        ({"event": "x", "distinct_id": "   "}, "batch__1__distinct_id"),
        ({"event": "x", "distinct_id": "u2", "timestamp": "yesterday-ish"}, "batch__1__timestamp"),
        ({"event": "x", "distinct_id": "u2", "uuid": "not-a-uuid"}, "batch__1__uuid"),
        ({"event": "x", "distinct_id": "u2", "properties": ["a"]}, "batch__1__properties"),
        (
            {"event": "x", "distinct_id": "u2", "properties": {"$set": "a"}},
            "batch__1__properties__$set",
        ),
        ({"event": "x", "distinct_id": "u2", "$set": "a"}, "batch__1__$set"),
        ({"event": "x", "distinct_id": "u2", "$set_once": ["a"]}, "batch__1__$set_once"),
        ({"event": "x", "distinct_id": "u2", "sent_at": "garbage"}, "batch__1__sent_at"),
        ({"event": "x", "distinct_id": {"id": 1}}, "batch__1__distinct_id"),
        (
            {"event": "$identify", "distinct_id": "u2", "properties": {"$anon_distinct_id": [1]}},
            "batch__1__properties__$anon_distinct_id",
        ),
        (
            {"event": "$create_alias", "distinct_id": "u2", "properties": {"alias": True}},
            "batch__1__properties__alias",
        ),
        (
            {"event": "x", "distinct_id": "u2", "properties": {"$session_id": {"a": 1}}},
            "batch__1__properties__$session_id",
        ),
        ("just a string", "batch__1__event"),
        (
            {
                "event": "x",
                "distinct_id": "u2",
                "timestamp": "9999-12-31T23:59:59Z",
                "sent_at": "0001-01-01T00:00:00Z",
            },
            "batch__1__timestamp",
        ),
        (
            {
                "event": "x",
                "distinct_id": "u2",
                "timestamp": "0001-01-01T00:00:00Z",
                "sent_at": "9999-12-31T00:00:00Z",
            },
            "batch__1__timestamp",
        ),
        ({"event": "x", "distinct_id": "u2", "offset": 1e300}, "batch__1__offset"),
        ({"event": "x", "distinct_id": "u2", "offset": -1e300}, "batch__1__offset"),
        ({"event": "x", "distinct_id": "u2", "offset": 99999999999999999}, "batch__1__offset"),
    ],
)
def test_one_bad_event_refuses_the_whole_batch(
    anonymous_client: APIClient, team: Team, bad_event: Any, attr: str
) -> None:
    response = post_json(anonymous_client, "/batch/", batch(team, GOOD, bad_event))
    _error(response, 400, "invalid_payload", attr)
    _assert_nothing_stored()


def test_a_bad_single_event_names_the_field(anonymous_client: APIClient, team: Team) -> None:
    response = post_json(anonymous_client, "/capture/", {"api_key": team.api_token, "event": "x"})
    _error(response, 400, "invalid_payload", "distinct_id")
    _assert_nothing_stored()


def test_empty_batch_and_empty_body_are_400(anonymous_client: APIClient, team: Team) -> None:
    _error(post_json(anonymous_client, "/batch/", batch(team)), 400, "no_data")
    _error(post_raw(anonymous_client, "/batch/", b""), 400, "no_data")


def test_a_payload_over_the_limit_is_413(
    anonymous_client: APIClient, team: Team, settings: Any
) -> None:
    settings.INGESTION_MAX_PAYLOAD_BYTES = 10_000
    big = batch(team, {**GOOD, "properties": {"blob": "x" * 20_000}})
    body = _error(post_json(anonymous_client, "/batch/", big), 413, "payload_too_large")
    assert "limit" in body["detail"]
    _assert_nothing_stored()


def test_a_gzip_bomb_is_413(anonymous_client: APIClient, team: Team, settings: Any) -> None:
    settings.INGESTION_MAX_PAYLOAD_BYTES = 10_000
    big = batch(team, {**GOOD, "properties": {"blob": "x" * 200_000}})
    response = post_json(anonymous_client, "/batch/", big, compress=True)
    _error(response, 413, "payload_too_large")
    _assert_nothing_stored()


def test_the_default_limit_is_20_mb(anonymous_client: APIClient, team: Team) -> None:
    raw = b" " * (20 * 1024 * 1024 + 1)
    _error(post_raw(anonymous_client, "/batch/", raw), 413, "payload_too_large")


def test_nul_characters_do_not_break_the_batch(anonymous_client: APIClient, team: Team) -> None:
    event = {
        "event": "a\u0000b",
        "distinct_id": "u\u00001",
        "properties": {"k": "v\u0000w", "$set": {"n": "x\u0000"}},
    }
    assert post_json(anonymous_client, "/batch/", batch(team, event)).status_code == 200
    stored_event = Event.objects.get(team=team)
    assert (stored_event.event, stored_event.distinct_id, stored_event.properties["k"]) == (
        "ab",
        "u1",
        "vw",
    )


DEEP = "__deep__"


def _post_deep(client: APIClient, body: Any, depth: int) -> Any:
    """Post ``body`` with its ``DEEP`` placeholder replaced by objects nesting ``depth`` levels.

    Written as text: orjson (and the stdlib) cannot serialise what is being tested.
    """
    deep = b'{"a":' * depth + b"1" + b"}" * depth
    return post_raw(
        client, "/batch/", orjson.dumps(body).replace(b'"' + DEEP.encode() + b'"', deep)
    )


def test_properties_at_the_depth_limit_are_stored(anonymous_client: APIClient, team: Team) -> None:
    event = {"event": "deep", "distinct_id": "u2", "properties": {"k": DEEP}}
    response = _post_deep(anonymous_client, batch(team, event), MAX_PROPERTIES_DEPTH - 1)
    assert response.status_code == 200, response.content
    assert Event.objects.filter(team=team, event="deep").exists()


@pytest.mark.parametrize("depth", [MAX_PROPERTIES_DEPTH + 1, 600, 1000])
def test_properties_deeper_than_the_limit_are_400(
    anonymous_client: APIClient, team: Team, depth: int
) -> None:
    event = {"event": "deep", "distinct_id": "u2", "properties": {"k": DEEP}}
    body = _error(
        _post_deep(anonymous_client, batch(team, GOOD, event), depth - 1),
        400,
        "invalid_payload",
        "batch__1__properties__k",
    )
    assert str(MAX_PROPERTIES_DEPTH) in body["detail"]
    _assert_nothing_stored()


def test_a_too_deep_top_level_set_is_400(anonymous_client: APIClient, team: Team) -> None:
    event = {"event": "deep", "distinct_id": "u2", "$set": {"k": DEEP}}
    _error(
        _post_deep(anonymous_client, batch(team, GOOD, event), MAX_PROPERTIES_DEPTH - 1),
        400,
        "invalid_payload",
        "batch__1__properties__$set",
    )
    _assert_nothing_stored()


def test_too_deep_elements_are_400(anonymous_client: APIClient, team: Team) -> None:
    element = {"tag_name": "a", "attr__x": DEEP}
    event = {"event": "$autocapture", "distinct_id": "u2", "properties": {"$elements": [element]}}
    _error(
        _post_deep(anonymous_client, batch(team, GOOD, event), MAX_PROPERTIES_DEPTH - 2),
        400,
        "invalid_payload",
        "batch__1__properties__$elements",
    )
    _assert_nothing_stored()
