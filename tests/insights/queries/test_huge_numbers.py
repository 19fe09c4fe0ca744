"""Event properties holding numbers past 64 bits or past a double never fail a read.

``/batch/`` stores properties as sent (a number past a double's range can arrive as a string,
``"1e400"``), and jsonb keeps integers of any size written directly (``10**400``). Property math
skips what a double cannot hold, as it skips ``"abc"``; sums past the double range are
infinite (null in JSON); breakdowns and filters read such values as text or exact numerics.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from rest_framework.test import APIClient

from posthog_api.models import Team
from tests.elements.helpers import SIGNUP
from tests.events import create_event
from tests.ingestion.helpers import post_raw
from tests.insights.queries.helpers import trends

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-04"}
EVENT = "$autocapture"
BIG = 123456789012345678901234567890


def send(client: APIClient, team: Team, *amounts: str) -> None:
    """One event per amount, each written into the JSON body as is (a number or a string)."""
    events = [
        json.dumps(
            {
                "event": EVENT,
                "distinct_id": f"d{index}",
                "timestamp": "2024-01-02T10:00:00Z",
                "properties": {"amount": "AMOUNT", "$elements_chain": SIGNUP},
            }
        ).replace('"AMOUNT"', amount)
        for index, amount in enumerate(amounts)
    ]
    body = json.dumps({"api_key": team.api_token, "batch": []}).replace(
        "[]", f"[{','.join(events)}]"
    )
    response = post_raw(client, "/batch/", body.encode())
    assert response.status_code == 200, response.content


@pytest.fixture
def amounts(anonymous_client: APIClient, team: Team) -> Team:
    """5 and 10, and four values no double holds: three sent as strings, one written directly."""
    send(anonymous_client, team, "5", "10", '"1e400"', '"-1e400"', '"1e-400"')
    create_event(
        team=team,
        event=EVENT,
        distinct_id="direct",
        timestamp="2024-01-02T11:00:00Z",
        properties={"amount": 10**400},
    )
    return team


def run(client: APIClient, team: Team, **source: Any) -> dict[str, Any]:
    series = {"kind": "EventsNode", "event": EVENT, **source.pop("series", {})}
    query = trends(series=[series], dateRange=RANGE, **source)
    response = client.post(f"/api/projects/{team.pk}/query/", {"query": query}, format="json")
    assert response.status_code == 200, response.content
    body = orjson.loads(response.content)
    assert body["query_status"] is None, body["query_status"]
    return body


@pytest.mark.parametrize(
    ("math", "expected"),
    [("sum", 15), ("avg", 7.5), ("min", 5), ("max", 10), ("median", 7.5), ("p90", 9.5)],
)
def test_property_math_skips_numbers_a_double_cannot_hold(
    api_client: APIClient, amounts: Team, math: str, expected: float
) -> None:
    body = run(api_client, amounts, series={"math": math, "math_property": "amount"})
    assert [item["data"] for item in body["results"]] == [[0, expected, 0, 0]]


def test_total_value_math_skips_them_too(api_client: APIClient, amounts: Team) -> None:
    body = run(
        api_client,
        amounts,
        series={"math": "sum", "math_property": "amount"},
        trendsFilter={"display": "BoldNumber"},
    )
    assert [item["aggregated_value"] for item in body["results"]] == [15]


def test_a_sum_past_the_double_range_is_null_not_a_failed_query(
    api_client: APIClient, anonymous_client: APIClient, team: Team
) -> None:
    send(anonymous_client, team, "1e308", "1e308", "-1")
    body = run(api_client, team, series={"math": "sum", "math_property": "amount"})
    [item] = body["results"]
    assert (item["data"], item["count"]) == ([0, None, 0, 0], None)


def test_an_average_of_values_past_1e154_is_computed(
    api_client: APIClient, anonymous_client: APIClient, team: Team
) -> None:
    # avg() over doubles also sums the squares, which overflowed for these values.
    send(anonymous_client, team, "1e200", "3e200")
    body = run(api_client, team, series={"math": "avg", "math_property": "amount"})
    assert [item["data"] for item in body["results"]] == [[0, pytest.approx(2e200), 0, 0]]


def test_smoothing_over_sums_past_64_bits_stays_json(
    api_client: APIClient, anonymous_client: APIClient, team: Team
) -> None:
    # floor() of the moving average used to give a Python int past 64 bits: orjson refused it.
    send(anonymous_client, team, str(BIG), str(BIG))
    body = run(
        api_client,
        team,
        series={"math": "sum", "math_property": "amount"},
        trendsFilter={"smoothingIntervals": 2},
    )
    total = 2 * float(BIG)
    assert [item["data"] for item in body["results"]] == [[0, total / 2, total / 2, 0]]


def test_breakdown_by_integers_past_64_bits_labels_them_as_text(
    api_client: APIClient, anonymous_client: APIClient, team: Team
) -> None:
    send(anonymous_client, team, str(BIG))  # orjson reads it as a double: 1.2345678901234568e29
    create_event(
        team=team,
        event=EVENT,
        distinct_id="direct",
        timestamp="2024-01-03T10:00:00Z",
        properties={"amount": BIG},
    )
    body = run(api_client, team, breakdownFilter={"breakdown": "amount"})
    assert sorted((item["breakdown_value"], item["data"]) for item in body["results"]) == [
        ("123456789012345678901234567890", [0, 0, 1, 0]),
        ("123456789012345680000000000000", [0, 1, 0, 0]),
    ]


def test_breakdown_by_a_number_past_a_double(api_client: APIClient, amounts: Team) -> None:
    body = run(api_client, amounts, breakdownFilter={"breakdown": "amount"})
    labels = {item["breakdown_value"] for item in body["results"]}
    assert {"1e400", "-1e400", "1e-400", "5", "10", str(10**400)} == labels


@pytest.mark.parametrize(
    ("operator", "value", "matching"),
    [
        ("exact", "1e400", 1),
        ("exact", str(10**400), 1),
        ("gt", 7, 3),  # 10, "1e400" and 10**400
        ("gt", 7.5, 3),
        ("lt", 0, 1),  # "-1e400"
        ("between", [1, 6], 1),
    ],
)
def test_property_filters_compare_huge_numbers_exactly(
    api_client: APIClient, amounts: Team, operator: str, value: Any, matching: int
) -> None:
    body = run(
        api_client,
        amounts,
        properties=[{"key": "amount", "operator": operator, "value": value, "type": "event"}],
    )
    assert [sum(item["data"]) for item in body["results"]] == [matching]


def test_elements_stats_filters_on_huge_numbers(api_client: APIClient, amounts: Team) -> None:
    response = api_client.get(
        f"/api/projects/{amounts.pk}/elements/stats/",
        {
            "date_from": "2024-01-01",
            "date_to": "2024-01-31",
            "properties": json.dumps([{"key": "amount", "operator": "gt", "value": 7.5}]),
        },
    )
    assert response.status_code == 200, response.content
    # The event written directly has no elements chain: 10 and "1e400" are on the chain.
    assert [row["count"] for row in response.json()["results"]] == [2]
