"""Turn a decoded payload into validated events, the way PostHog's capture normalises them.

Every event is checked before anything is stored, so a batch with one bad event is refused whole
(400, ``attr`` naming the event and field, e.g. ``batch__3__distinct_id``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import orjson
from dateutil import parser as date_parser
from rest_framework.exceptions import ValidationError

from posthog_api.ingestion.elements import elements_to_chain

MAX_EVENT_NAME = 200
MAX_DISTINCT_ID = 200
# PostHog treats timestamps this far ahead of the server clock as wrong and uses "now" instead.
FUTURE_CUTOFF = timedelta(hours=23)
# How deep an event's properties may nest, counting ``properties`` itself as level 1. It is the
# depth orjson can serialise (its fixed recursion limit), enforced by serialising the properties
# here, at parse time, once: the stored text is reused by the insert. (orjson *parses* up to
# 1,024 levels, so without this a payload between the two was accepted and failed at storage.)
MAX_PROPERTIES_DEPTH = 254
# The events whose property names a second distinct id to join with the event's own.
JOIN_ID_PROPERTY = {
    "$identify": "$anon_distinct_id",
    "$create_alias": "alias",
    "$merge_dangerously": "alias",
}


@dataclass
class IncomingEvent:
    uuid: uuid.UUID
    event: str
    distinct_id: str
    timestamp: datetime
    properties: dict[str, Any]
    elements_chain: str
    session_id: str | None
    process_person: bool
    # ``properties`` as JSON text, as stored (NUL characters dropped).
    properties_json: str = "{}"
    # For $identify / $create_alias / $merge_dangerously: the other distinct id, cleaned.
    other_distinct_id: str | None = None
    set: dict[str, Any] = field(default_factory=dict)
    set_once: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)


class _EventError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


def _text(value: str) -> str:
    # PostgreSQL text cannot hold NUL characters.
    return value.replace("\x00", "") if "\x00" in value else value


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 text (naive means UTC) or epoch milliseconds; None when unparseable."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, UTC)
        if not isinstance(value, str) or not value.strip():
            return None
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = date_parser.isoparse(text)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def event_timestamp(raw: Mapping[str, Any], *, now: datetime, sent_at: datetime | None) -> datetime:
    """PostHog's clock-skew correction.

    With ``timestamp`` and ``sent_at`` the client clock is assumed wrong by ``sent_at - now``:
    the event happened ``sent_at - timestamp`` before the request arrived. Without ``sent_at``
    the timestamp is taken as is; with only ``offset`` (ms before sending) it is ``now - offset``.
    """
    properties = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    if properties and properties.get("$ignore_sent_at"):
        sent_at = None
    if raw.get("timestamp") not in (None, ""):
        timestamp = parse_datetime(raw["timestamp"])
        if timestamp is None:
            raise _EventError("timestamp", f"Invalid timestamp {str(raw['timestamp'])[:64]!r}.")
        try:
            result = now + (timestamp - sent_at) if sent_at is not None else timestamp
        except OverflowError:
            # The skew correction lands outside the years a datetime can hold.
            raise _EventError(
                "timestamp", "Timestamp and sent_at are too far apart to correct the clock skew."
            ) from None
    elif raw.get("offset") not in (None, ""):
        offset = raw["offset"]
        if isinstance(offset, bool) or not isinstance(offset, int | float):
            raise _EventError("offset", "Offset must be a number of milliseconds.")
        try:
            result = now - timedelta(milliseconds=offset)
        except OverflowError:
            raise _EventError("offset", "Offset is out of range.") from None
    else:
        result = now
    if result - now > FUTURE_CUTOFF:
        return now
    return result


def clean_id(value: Any, field_name: str) -> str | None:
    """Every id field (``distinct_id``, ``$anon_distinct_id``, ``alias``, ``$session_id``) alike.

    Numbers are stringified; NUL characters (PostgreSQL text cannot hold them) and surrounding
    whitespace are dropped; the result is cut to 200 characters. None when absent or blank; an
    object, list or boolean is an error naming the field.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _EventError(field_name, "Must be a string or a number.")
    return _text(str(value)).strip()[:MAX_DISTINCT_ID] or None


def _distinct_id(raw: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    value = raw.get("distinct_id")
    if value in (None, ""):
        value = raw.get("$distinct_id")
    if value in (None, ""):
        value = properties.get("distinct_id")
    if value is None:
        raise _EventError("distinct_id", "This field is required.")
    text = clean_id(value, "distinct_id")
    if text is None:
        raise _EventError("distinct_id", "This field may not be blank.")
    return text


def _properties_json(properties: Mapping[str, Any]) -> str:
    try:
        text = orjson.dumps(properties, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        # The only failure for decoded JSON is depth; name the property that is too deep.
        deep = next((k for k in properties if not _serialisable({k: properties[k]})), None)
        raise _EventError(
            "properties" if deep is None else f"properties__{deep}",
            f"Properties may nest at most {MAX_PROPERTIES_DEPTH} levels deep.",
        ) from None
    # jsonb rejects the NUL character; drop it rather than fail the whole batch.
    return text.replace("\\u0000", "") if "\\u0000" in text else text


def _serialisable(value: Any) -> bool:
    try:
        orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return False
    return True


def _person_updates(
    raw: Mapping[str, Any], properties: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    # Some SDKs send $set/$set_once next to properties rather than inside them; either place is
    # held to the same rule (an object, or a 400 naming the field).
    for key in ("$set", "$set_once"):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            raise _EventError(key, f"{key} must be an object.")
        if key not in properties and isinstance(raw.get(key), dict):
            properties[key] = raw[key]
    set_ = properties.get("$set")
    set_once = properties.get("$set_once")
    unset = properties.get("$unset")
    if set_ is not None and not isinstance(set_, dict):
        raise _EventError("properties__$set", "$set must be an object.")
    if set_once is not None and not isinstance(set_once, dict):
        raise _EventError("properties__$set_once", "$set_once must be an object.")
    if isinstance(unset, dict):
        unset = list(unset)
    if unset is not None and not (
        isinstance(unset, list) and all(isinstance(k, str) for k in unset)
    ):
        raise _EventError("properties__$unset", "$unset must be a list of property names.")
    return dict(set_ or {}), dict(set_once or {}), list(unset or [])


def _parse_event(raw: Any, *, now: datetime, sent_at: datetime | None) -> IncomingEvent:
    if not isinstance(raw, dict):
        raise _EventError("event", "Each event must be a JSON object.")
    name = raw.get("event")
    if not isinstance(name, str) or not name.strip():
        raise _EventError("event", "This field is required.")
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise _EventError("properties", "Properties must be a JSON object.")
    properties = dict(properties)
    distinct_id = _distinct_id(raw, properties)

    event_uuid: uuid.UUID
    if raw.get("uuid") not in (None, ""):
        try:
            event_uuid = uuid.UUID(str(raw["uuid"]))
        except ValueError:
            raise _EventError("uuid", f"Invalid uuid {str(raw['uuid'])[:64]!r}.") from None
    else:
        event_uuid = uuid.uuid4()

    timestamp = event_timestamp(raw, now=now, sent_at=sent_at)
    set_, set_once, unset = _person_updates(raw, properties)

    join_property = JOIN_ID_PROPERTY.get(name)
    other_distinct_id = (
        clean_id(properties.get(join_property), f"properties__{join_property}")
        if join_property
        else None
    )
    session_id = properties.get("$session_id")
    if session_id is not None:
        session_id = clean_id(session_id, "properties__$session_id")

    elements = properties.pop("$elements", None)
    chain = properties.pop("$elements_chain", None)
    if not isinstance(chain, str) or not chain:
        if isinstance(elements, list):
            # Not stored, but turned into the chain: held to the same depth limit.
            _properties_json({"$elements": elements})
            chain = elements_to_chain(elements)
        else:
            chain = ""
    properties.pop("distinct_id", None)
    properties.pop("token", None)
    return IncomingEvent(
        uuid=event_uuid,
        event=_text(name)[:MAX_EVENT_NAME],
        distinct_id=distinct_id,
        timestamp=timestamp,
        properties=properties,
        elements_chain=_text(chain),
        session_id=session_id,
        process_person=properties.get("$process_person_profile") is not False,
        properties_json=_properties_json(properties),
        other_distinct_id=other_distinct_id,
        set=set_,
        set_once=set_once,
        unset=unset,
    )


def raw_events(data: Any) -> tuple[list[Any], bool]:
    """The list of raw events and whether the payload was a batch (for error attributes)."""
    if isinstance(data, dict) and "batch" in data:
        batch = data["batch"]
        if not isinstance(batch, list):
            raise ValidationError({"batch": ["Expected a list of events."]}, code="invalid_payload")
        return batch, True
    if isinstance(data, list):
        return data, True
    if isinstance(data, dict):
        return [data], False
    raise ValidationError(
        "Malformed request data: expected a JSON object or list.", code="invalid_payload"
    )


def batch_sent_at(data: Any, extra: Mapping[str, str]) -> datetime | None:
    """``sent_at`` from the body (SDKs) or posthog-js's ``_`` query parameter (epoch ms)."""
    value = data.get("sent_at") if isinstance(data, dict) else None
    if value in (None, ""):
        value = extra.get("sent_at") or extra.get("_")
    if value in (None, ""):
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValidationError(
            {"sent_at": [f"Invalid sent_at {str(value)[:64]!r}."]}, code="invalid_payload"
        )
    return parsed


def parse_events(data: Any, *, extra: Mapping[str, str], now: datetime) -> list[IncomingEvent]:
    raws, is_batch = raw_events(data)
    if not raws:
        raise ValidationError("No events in the payload.", code="no_data")
    sent_at = batch_sent_at(data, extra)
    events = []
    for index, raw in enumerate(raws):
        try:
            own_sent_at = sent_at
            if isinstance(raw, dict) and raw.get("sent_at") not in (None, ""):
                own_sent_at = _own_sent_at(raw["sent_at"])
            events.append(_parse_event(raw, now=now, sent_at=own_sent_at))
        except _EventError as error:
            attr = f"batch__{index}__{error.field_name}" if is_batch else error.field_name
            raise ValidationError({attr: [error.message]}, code="invalid_payload") from None
    return events


def _own_sent_at(value: Any) -> datetime:
    """An event's own ``sent_at`` overrides the batch's, and is held to the same rule."""
    parsed = parse_datetime(value)
    if parsed is None:
        raise _EventError("sent_at", f"Invalid sent_at {str(value)[:64]!r}.")
    return parsed


def find_token(data: Any, extra: Mapping[str, str]) -> str | None:
    """The project token: ``api_key``/``token`` in the body, the query/form, or the first event."""
    candidates: list[Any] = []
    if isinstance(data, dict):
        candidates += [data.get("api_key"), data.get("token")]
    candidates += [extra.get("api_key"), extra.get("token")]
    first: Any = None
    if isinstance(data, list) and data:
        first = data[0]
    elif isinstance(data, dict):
        batch = data.get("batch")
        first = batch[0] if isinstance(batch, list) and batch else data
    if isinstance(first, dict):
        properties = first.get("properties")
        candidates += [first.get("api_key"), first.get("token")]
        if isinstance(properties, dict):
            candidates.append(properties.get("token"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None
