"""One small funnel and its events, for the tests that drive funnels through async and coalescing."""

from __future__ import annotations

from typing import Any

from tests.events import create_event

# u1 converts, u2 drops off after the first step: counts [2, 1].
FUNNEL: dict[str, Any] = {
    "kind": "FunnelsQuery",
    "series": [
        {"kind": "EventsNode", "event": "$pageview"},
        {"kind": "EventsNode", "event": "signup"},
    ],
    "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-31"},
}


def create_funnel_events(team: Any) -> None:
    create_event(team=team, event="$pageview", distinct_id="u1", timestamp="2024-01-02T10:00:00Z")
    create_event(team=team, event="signup", distinct_id="u1", timestamp="2024-01-02T11:00:00Z")
    create_event(team=team, event="$pageview", distinct_id="u2", timestamp="2024-01-03T10:00:00Z")
