"""LifecycleQuery on conftest.py's events (range 2024-01-01..2024-01-04).

P1 (created 2023-06) is active on 12-31 and 01-01: returning on 01-01, dormant on 01-02.
P2 (created 01-02) is active on 01-02 and 01-04: new on 01-02, dormant on 01-03, resurrecting
on 01-04. ``anon`` has no person and never appears.
"""

from __future__ import annotations

import pytest

from posthog_api.models import Team
from tests.events import create_event
from tests.insights.queries.helpers import calculate
from tests.insights.queries.helpers import pageviews

pytestmark = pytest.mark.django_db

DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
LABELS = ["1-Jan-2024", "2-Jan-2024", "3-Jan-2024", "4-Jan-2024"]


def test_statuses_per_day(events: Team) -> None:
    # A personless event must not make P2 active on 01-03.
    create_event(
        team=events,
        event="$pageview",
        distinct_id="p2",
        timestamp="2024-01-03T08:00:00Z",
        properties={"$process_person_profile": False},
    )
    response = calculate(
        events,
        {
            "kind": "LifecycleQuery",
            "series": [pageviews()],
            "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-04"},
        },
    )
    action = {
        "id": "$pageview",
        "name": "$pageview",
        "type": "events",
        "order": 0,
        "math": "total",
        "custom_name": None,
    }
    expected = {
        "new": [0.0, 1.0, 0.0, 0.0],
        "returning": [1.0, 0.0, 0.0, 0.0],
        "resurrecting": [0.0, 0.0, 0.0, 1.0],
        "dormant": [0.0, -1.0, -1.0, 0.0],
    }
    assert response["results"] == [
        {
            "action": action,
            "data": data,
            "count": float(sum(data)),
            "labels": LABELS,
            "days": DAYS,
            "label": f"$pageview - {status}",
            "status": status,
        }
        for status, data in expected.items()
    ]
