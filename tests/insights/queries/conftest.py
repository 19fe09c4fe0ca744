"""A small hand-made event set shared by the engine tests (results worked out by hand).

Persons: P1 owns distinct_ids ``p1-a`` and ``p1-b`` (a merge: both count as one user), P2 owns
``p2``; ``anon`` has no person. All timestamps UTC; the team is UTC unless a test changes it.

| # | event     | distinct_id | timestamp            | properties                        |
|---|-----------|-------------|----------------------|-----------------------------------|
| 0 | $pageview | p1-a        | 2023-12-31 23:59:59  | $browser Chrome  (before range)   |
| 1 | $pageview | p1-a        | 2024-01-01 09:00     | Chrome, price 10, session s1      |
| 2 | $pageview | p1-b        | 2024-01-01 15:00     | Chrome, price 20, session s1      |
| 3 | $pageview | p2          | 2024-01-02 10:00     | Safari, price 5, session s2       |
| 4 | signup    | p2          | 2024-01-02 11:00     |                                   |
| 5 | $pageview | anon        | 2024-01-03 23:30     | (none)                            |
| 6 | $pageview | p2          | 2024-01-04 12:00     | Firefox, price "abc"              |
| 7 | $pageview | p1-a        | 2024-01-05 00:00     | Chrome (after a 01-01..01-04 range)|
"""

from __future__ import annotations

import pytest

from posthog_api.models import Team
from tests.events import create_event
from tests.events import create_person


@pytest.fixture
def events(team: Team) -> Team:
    create_person(
        team=team,
        distinct_ids=["p1-a", "p1-b"],
        properties={"email": "a@x.com", "plan": "pro"},
        created_at="2023-06-01T00:00:00Z",
    )
    create_person(
        team=team,
        distinct_ids=["p2"],
        properties={"plan": "free"},
        created_at="2024-01-02T09:00:00Z",
    )
    rows = [
        ("$pageview", "p1-a", "2023-12-31T23:59:59Z", {"$browser": "Chrome"}),
        (
            "$pageview",
            "p1-a",
            "2024-01-01T09:00:00Z",
            {"$browser": "Chrome", "price": 10, "$session_id": "s1"},
        ),
        (
            "$pageview",
            "p1-b",
            "2024-01-01T15:00:00Z",
            {"$browser": "Chrome", "price": 20, "$session_id": "s1"},
        ),
        (
            "$pageview",
            "p2",
            "2024-01-02T10:00:00Z",
            {"$browser": "Safari", "price": 5, "$session_id": "s2"},
        ),
        ("signup", "p2", "2024-01-02T11:00:00Z", {}),
        ("$pageview", "anon", "2024-01-03T23:30:00Z", {}),
        ("$pageview", "p2", "2024-01-04T12:00:00Z", {"$browser": "Firefox", "price": "abc"}),
        ("$pageview", "p1-a", "2024-01-05T00:00:00Z", {"$browser": "Chrome"}),
    ]
    for event, distinct_id, timestamp, properties in rows:
        create_event(
            team=team,
            event=event,
            distinct_id=distinct_id,
            timestamp=timestamp,
            properties=properties,
        )
    return team
