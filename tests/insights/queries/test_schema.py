"""The query schema: PostHog payloads validate, bad ones name the field, kinds classify."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rest_framework.exceptions import ValidationError

from insights.queries.schema import insight_type
from insights.queries.schema import query_events
from insights.queries.schema import validate_query

FRONTEND_TRENDS: dict[str, Any] = {
    "kind": "InsightVizNode",
    "full": True,
    "showHeader": True,
    "source": {
        "kind": "TrendsQuery",
        "series": [
            {
                "kind": "EventsNode",
                "event": "$pageview",
                "name": "$pageview",
                "math": "dau",
                "properties": [
                    {"key": "$browser", "value": ["Chrome"], "operator": "exact", "type": "event"}
                ],
            }
        ],
        "dateRange": {"date_from": "-7d", "date_to": None, "explicitDate": False},
        "interval": "day",
        "properties": {
            "type": "AND",
            "values": [
                {"type": "OR", "values": [{"key": "plan", "type": "person", "value": "pro"}]}
            ],
        },
        "filterTestAccounts": False,
        "breakdownFilter": {
            "breakdown": "$browser",
            "breakdown_type": "event",
            "breakdown_limit": 25,
        },
        "trendsFilter": {
            "display": "ActionsLineGraph",
            "showLegend": True,
            "aggregationAxisFormat": "numeric",
        },
        "compareFilter": {"compare": False},
    },
}


def error_of(query: Any) -> Any:
    with pytest.raises(ValidationError) as caught:
        validate_query(query)
    return caught.value.detail


def test_frontend_payload_round_trips_with_display_flags_kept() -> None:
    assert validate_query(copy.deepcopy(FRONTEND_TRENDS)) == FRONTEND_TRENDS


def test_bad_math_names_the_series_field() -> None:
    query = copy.deepcopy(FRONTEND_TRENDS)
    query["source"]["series"][0]["math"] = "bogus"
    detail = error_of(query)
    assert list(detail) == ["query"]
    assert list(detail["query"]["source"]["series"]["0"]) == ["math"]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda q: q["source"].update(kind="Nope"), ["source"]),
        (lambda q: q["source"]["series"][0].update(kind="Nope"), ["source", "series", "0"]),
        (
            lambda q: q["source"]["dateRange"].update(date_from=5),
            ["source", "dateRange", "date_from"],
        ),
        (lambda q: q["source"].update(interval="fortnight"), ["source", "interval"]),
        (
            lambda q: q["source"]["breakdownFilter"].update(breakdown={"a": 1}),
            ["source", "breakdownFilter", "breakdown"],
        ),
        (
            lambda q: q["source"]["properties"]["values"][0]["values"][0].update(type="nope"),
            ["source", "properties", "values", "0", "values", "0"],
        ),
        (
            lambda q: q["source"]["series"][0]["properties"][0].update(operator="nope"),
            ["source", "series", "0", "properties", "0", "operator"],
        ),
        (lambda q: q["source"].pop("series"), ["source", "series"]),
        (lambda q: q.update(kind=7), []),
    ],
)
def test_errors_nest_like_the_input(mutate: Any, path: list[str]) -> None:
    query = copy.deepcopy(FRONTEND_TRENDS)
    mutate(query)
    node = error_of(query)["query"]
    for key in path:
        assert list(node) == [key], (path, node)
        node = node[key]
    assert isinstance(node, list)
    assert node


def test_non_object_query_is_refused() -> None:
    assert error_of(["not", "a", "dict"]) == {"query": ["Query must be a valid JSON object."]}


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        (FRONTEND_TRENDS, "TRENDS"),
        (
            {"kind": "InsightVizNode", "source": {"kind": "LifecycleQuery", "series": []}},
            "LIFECYCLE",
        ),
        (
            {
                "kind": "DataVisualizationNode",
                "source": {"kind": "HogQLQuery", "query": "select 1"},
            },
            "SQL",
        ),
        ({"kind": "DataTableNode", "source": {"kind": "HogQLQuery", "query": "select 1"}}, "SQL"),
        ({"kind": "DataTableNode", "source": {"kind": "EventsQuery", "select": ["*"]}}, "JSON"),
        ({"kind": "TrendsQuery", "series": []}, "JSON"),
        (None, None),
    ],
)
def test_insight_type(query: Any, kind: str | None) -> None:
    assert insight_type(query) == kind


def test_query_events_lists_series_and_retention_events() -> None:
    assert query_events(FRONTEND_TRENDS) == ["$pageview"]
    retention = {
        "kind": "InsightVizNode",
        "source": {
            "kind": "RetentionQuery",
            "retentionFilter": {
                "targetEntity": {"id": "signup", "type": "events"},
                "returningEntity": {"id": "$pageview", "type": "events"},
            },
        },
    }
    assert query_events(retention) == ["signup", "$pageview"]
