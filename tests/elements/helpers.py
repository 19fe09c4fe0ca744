"""Hand-made chains and a bulk event writer for the element tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from dateutil import parser as date_parser

from posthog_api.models import Event
from posthog_api.models import Team

SIGNUP = 'a.btn:attr__data-attr="signup"href="/signup"nth-child="2"nth-of-type="1"text="Sign up";body:nth-child="1"nth-of-type="1"'
SIGNUP_ELEMENTS = [
    {
        "text": "Sign up",
        "tag_name": "a",
        "attr_class": ["btn"],
        "href": "/signup",
        "attr_id": None,
        "nth_child": 2,
        "nth_of_type": 1,
        "attributes": {"attr__data-attr": "signup"},
        "order": 0,
    },
    {
        "text": None,
        "tag_name": "body",
        "attr_class": None,
        "href": None,
        "attr_id": None,
        "nth_child": 1,
        "nth_of_type": 1,
        "attributes": {},
        "order": 1,
    },
]
BUY = 'button:attr__id="buy"attr_id="buy"nth-child="1"nth-of-type="1"text="Buy \\"now\\"";div.cart.panel:nth-child="3"nth-of-type="2";body:nth-child="1"nth-of-type="1"'
BUY_ELEMENTS = [
    {
        "text": 'Buy "now"',
        "tag_name": "button",
        "attr_class": None,
        "href": None,
        "attr_id": "buy",
        "nth_child": 1,
        "nth_of_type": 1,
        "attributes": {"attr__id": "buy"},
        "order": 0,
    },
    {
        "text": None,
        "tag_name": "div",
        "attr_class": ["cart", "panel"],
        "href": None,
        "attr_id": None,
        "nth_child": 3,
        "nth_of_type": 2,
        "attributes": {},
        "order": 1,
    },
    {
        "text": None,
        "tag_name": "body",
        "attr_class": None,
        "href": None,
        "attr_id": None,
        "nth_child": 1,
        "nth_of_type": 1,
        "attributes": {},
        "order": 2,
    },
]
DOCS = 'a:href="/docs"nth-child="1"nth-of-type="1"text="Docs"'


def add_events(
    team: Team,
    chain: str,
    *,
    count: int = 1,
    event: str = "$autocapture",
    timestamp: datetime | str = "2024-01-05T12:00:00Z",
    distinct_id: str | None = None,
    properties: dict[str, Any] | None = None,
) -> None:
    """``count`` events on ``chain``; each gets its own distinct_id unless one is given."""
    moment = date_parser.isoparse(timestamp) if isinstance(timestamp, str) else timestamp
    Event.objects.bulk_create(
        [
            Event(
                team=team,
                event=event,
                distinct_id=distinct_id or f"user-{uuid.uuid4().hex[:12]}",
                timestamp=moment,
                properties=properties or {},
                elements_chain=chain,
            )
            for _ in range(count)
        ]
    )
