"""Sending raw capture payloads the way SDKs do, for the ingestion tests."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from rest_framework.test import APIClient

from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId
from posthog_api.models import Team


def post_json(
    client: APIClient, path: str, body: Any, *, compress: bool = False, **headers: str
) -> Any:
    raw = orjson.dumps(body)
    if compress:
        raw = gzip.compress(raw)
        headers.setdefault("HTTP_CONTENT_ENCODING", "gzip")
    return client.generic("POST", path, raw, content_type="application/json", **headers)


def post_raw(
    client: APIClient, path: str, raw: bytes, content_type: str = "application/json", **headers: str
) -> Any:
    return client.generic("POST", path, raw, content_type=content_type, **headers)


def batch(team: Team, *events: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"api_key": team.api_token, "batch": list(events), **extra}


def person_of(team: Team, distinct_id: str) -> Person:
    return (
        PersonDistinctId.objects.select_related("person")
        .get(team=team, distinct_id=distinct_id)
        .person
    )


def stored(team: Team) -> int:
    return Event.objects.filter(team=team).count()
