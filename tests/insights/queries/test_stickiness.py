"""StickinessQuery on conftest.py's events: P1 active on 01-01 (two events), P2 on 01-02 and
01-04, anon on 01-03."""

from __future__ import annotations

from typing import Any

import pytest

from posthog_api.models import Team
from tests.insights.queries.helpers import pageviews
from tests.insights.queries.helpers import results

pytestmark = pytest.mark.django_db


def stickiness(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "StickinessQuery",
        "series": [pageviews()],
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-04"},
        **fields,
    }


def test_counts_actors_by_number_of_active_days(events: Team) -> None:
    assert results(events, stickiness()) == [
        {
            "count": 3,
            "data": [2, 1, 0, 0],
            "days": [1, 2, 3, 4],
            "label": "$pageview",
            "labels": ["1 day", "2 days", "3 days", "4 days"],
            "action": {
                "order": 0,
                "type": "events",
                "name": "$pageview",
                "id": "$pageview",
                "custom_name": None,
                "math": None,
            },
        }
    ]


def test_cumulative_counts_actors_with_at_least_k_days(events: Team) -> None:
    [item] = results(events, stickiness(stickinessFilter={"computedAs": "cumulative"}))
    assert (item["data"], item["count"], item["labels"][0]) == ([3, 1, 0, 0], 3, "1 day or more")


def test_criteria_require_a_minimum_number_of_events_per_day(events: Team) -> None:
    [item] = results(
        events, stickiness(stickinessFilter={"stickinessCriteria": {"operator": "gte", "value": 2}})
    )
    assert item["data"] == [1, 0, 0, 0]


def test_interval_count_groups_days_backwards_from_the_end(events: Team) -> None:
    [item] = results(events, stickiness(intervalCount=2))
    assert (item["data"], item["days"]) == ([2, 1], [1, 2])


def test_compare_adds_the_previous_period(events: Team) -> None:
    items = results(
        events,
        stickiness(
            dateRange={"date_from": "2024-01-03", "date_to": "2024-01-04"},
            compareFilter={"compare": True},
        ),
    )
    assert [(i["data"], i["compare_label"]) for i in items] == [
        ([2, 0], "current"),
        ([2, 0], "previous"),
    ]
