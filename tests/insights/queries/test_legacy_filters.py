"""Legacy ``filters`` dicts converted to queries (PostHog's ``query_from_filters``), whole dicts."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from insights.queries.legacy_filters import filters_to_query
from insights.queries.legacy_filters import insight_query
from insights.queries.schema import validate_query


def viz(source: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "InsightVizNode", "source": source, "full": True}


def test_a_trends_insight_with_every_option() -> None:
    filters = {
        "insight": "TRENDS",
        "events": [
            {"id": "$pageview", "name": "$pageview", "math": "dau", "order": 1},
            {
                "id": "purchase",
                "name": "purchase",
                "custom_name": "Revenue",
                "math": "sum",
                "math_property": "price",
                "order": 0,
                "properties": [{"key": "$browser", "value": ["Chrome", None], "type": "events"}],
            },
        ],
        "actions": [{"id": "7", "name": "Signed up", "order": 2}],
        "date_from": "-14d",
        "date_to": "2024-01-31",
        "interval": "week",
        "breakdown": "$browser",
        "breakdown_type": "events",
        "breakdown_limit": 10,
        "compare": True,
        "formula": "A/B",
        "display": "ActionsBar",
        "filter_test_accounts": True,
        "properties": [{"key": "plan", "value": "pro", "type": "person"}],
        "smoothing_intervals": 7,
        "hidden_legend_keys": {"0": True, "1": False},
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-14d", "date_to": "2024-01-31"},
            "interval": "week",
            "series": [
                {
                    "kind": "EventsNode",
                    "event": "purchase",
                    "name": "purchase",
                    "custom_name": "Revenue",
                    "math": "sum",
                    "math_property": "price",
                    "properties": [
                        {
                            "key": "$browser",
                            "value": ["Chrome"],
                            "type": "event",
                            "operator": "exact",
                        }
                    ],
                },
                {"kind": "EventsNode", "event": "$pageview", "name": "$pageview", "math": "dau"},
                {"kind": "ActionsNode", "id": 7, "name": "Signed up"},
            ],
            "filterTestAccounts": True,
            "properties": {
                "type": "AND",
                "values": [
                    {
                        "type": "AND",
                        "values": [
                            {"key": "plan", "value": "pro", "type": "person", "operator": "exact"}
                        ],
                    }
                ],
            },
            "breakdownFilter": {
                "breakdown": "$browser",
                "breakdown_type": "event",
                "breakdown_limit": 10,
            },
            "compareFilter": {"compare": True},
            "trendsFilter": {
                "smoothingIntervals": 7,
                "hiddenLegendIndexes": [0],
                "formula": "A/B",
                "display": "ActionsBar",
            },
        }
    )


def test_a_minimal_trends_insight_defaults_to_trends() -> None:
    assert filters_to_query({"events": [{"id": "$pageview"}]}) == viz(
        {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    )


def test_sessions_reads_as_trends_and_minute_as_hour() -> None:
    assert filters_to_query(
        {"insight": "SESSIONS", "interval": "minute", "events": [{"id": None}]}
    ) == viz({"kind": "TrendsQuery", "interval": "hour", "series": [{"kind": "EventsNode"}]})


def test_an_unknown_display_is_dropped() -> None:
    assert filters_to_query({"events": [{"id": "a"}], "display": "Bogus"}) == viz(
        {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "a"}]}
    )


def test_actions_without_id_and_template_strings_are_dropped() -> None:
    assert filters_to_query(
        {"actions": [{"name": "no id"}], "events": ["{events[0]}", {"id": "a"}]}
    ) == viz({"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "a"}]})


def test_json_encoded_series_are_read() -> None:
    assert filters_to_query({"events": '[{"id": "a", "math": "total"}]'}) == viz(
        {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "a", "math": "total"}]}
    )


def test_trends_multiple_breakdowns_and_compare_to() -> None:
    filters = {
        "events": [{"id": "a"}],
        "breakdowns": [
            {"property": "$browser"},
            {"property": "plan", "type": "person"},
            {"no": "property"},
        ],
        "compare": True,
        "compare_to": "-1w",
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "a"}],
            "breakdownFilter": {
                "breakdowns": [
                    {"property": "$browser", "type": "event"},
                    {"property": "plan", "type": "person"},
                ]
            },
            "compareFilter": {"compare": True, "compare_to": "-1w"},
        }
    )


def test_shown_as_stickiness_makes_a_stickiness_query_with_actor_maths() -> None:
    filters = {
        "insight": "TRENDS",
        "shown_as": "Stickiness",
        "events": [
            {"id": "a", "math": "sum", "math_property": "price"},
            {"id": "b", "math": "weekly_active"},
            {"id": "c"},
        ],
        "interval": "day",
        "compare": True,
        "breakdown": "$browser",
        "aggregation_group_type_index": 0,
        "hidden_legend_keys": {"2": True},
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "StickinessQuery",
            "interval": "day",
            "series": [
                {"kind": "EventsNode", "event": "a", "math": "dau"},
                {"kind": "EventsNode", "event": "b", "math": "weekly_active"},
                {"kind": "EventsNode", "event": "c"},
            ],
            "compareFilter": {"compare": True},
            "stickinessFilter": {"hiddenLegendIndexes": [2]},
        }
    )


def test_a_lifecycle_insight_drops_maths() -> None:
    filters = {
        "insight": "LIFECYCLE",
        "events": [{"id": "$pageview", "math": "dau"}],
        "date_from": "-30d",
        "interval": "week",
        "toggledLifecycles": ["new", "dormant"],
        "compare": True,
        "aggregation_group_type_index": 1,
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "LifecycleQuery",
            "dateRange": {"date_from": "-30d"},
            "interval": "week",
            "series": [{"kind": "EventsNode", "event": "$pageview"}],
            "lifecycleFilter": {"toggledLifecycles": ["new", "dormant"]},
        }
    )


def test_shown_as_lifecycle_makes_a_lifecycle_query() -> None:
    assert filters_to_query(
        {"insight": "TRENDS", "shown_as": "Lifecycle", "events": [{"id": "a"}]}
    ) == viz({"kind": "LifecycleQuery", "series": [{"kind": "EventsNode", "event": "a"}]})


def test_a_funnel_insight() -> None:
    filters = {
        "insight": "FUNNELS",
        "events": [
            {"id": "$pageview", "order": 0, "math": "dau"},
            {"id": "signup", "order": 1, "math": "first_time_for_user"},
        ],
        "actions": [{"id": 3, "order": 2}],
        "funnel_window_interval": 7,
        "funnel_window_interval_unit": "day",
        "funnel_order_type": "strict",
        "breakdown": "$browser",
        "breakdown_attribution_type": "first_touch",
        "exclusions": [
            {"id": "cancel", "type": "events", "funnel_from_step": 0, "funnel_to_step": 1}
        ],
        "display": "ActionsLineGraph",
        "compare": True,
        "hidden_legend_keys": {"events/$pageview/0/Chrome": True, "Safari": False},
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "FunnelsQuery",
            "series": [
                {"kind": "EventsNode", "event": "$pageview"},
                {"kind": "EventsNode", "event": "signup", "math": "first_time_for_user"},
                {"kind": "ActionsNode", "id": 3},
            ],
            "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
            "funnelsFilter": {
                "funnelVizType": "trends",
                "funnelOrderType": "strict",
                "funnelWindowIntervalUnit": "day",
                "funnelWindowInterval": 7,
                "breakdownAttributionType": "first_touch",
                "exclusions": [
                    {
                        "kind": "EventsNode",
                        "event": "cancel",
                        "funnelFromStep": 0,
                        "funnelToStep": 1,
                    }
                ],
                "hiddenLegendBreakdowns": ["Chrome"],
            },
        }
    )


def test_a_funnel_with_two_breakdowns_is_not_converted(caplog: pytest.LogCaptureFixture) -> None:
    filters = {
        "insight": "FUNNELS",
        "events": [{"id": "a"}, {"id": "b"}],
        "breakdowns": [{"property": "x"}, {"property": "y"}],
    }
    with caplog.at_level(logging.INFO, logger="insights.queries.legacy_filters"):
        assert filters_to_query(filters) is None
    assert "A funnel can break down by one property only." in caplog.text


def test_a_retention_insight() -> None:
    filters = {
        "insight": "RETENTION",
        "target_entity": {"id": "signup", "type": "events", "name": "signup"},
        "returning_entity": {"id": 4, "type": "actions", "name": "Paid"},
        "retention_type": "retention_first_time",
        "total_intervals": 8,
        "period": "Week",
        "show_mean": False,
        "date_to": "2024-02-01",
        "interval": "day",
        "events": [{"id": "ignored"}],
        "breakdown": "$browser",
        "properties": {"type": "OR", "values": [{"key": "a", "value": "b"}]},
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "RetentionQuery",
            "dateRange": {"date_to": "2024-02-01"},
            "properties": {
                "type": "AND",
                "values": [
                    {"type": "OR", "values": [{"key": "a", "value": "b", "operator": "exact"}]}
                ],
            },
            "retentionFilter": {
                "retentionType": "retention_first_time",
                "totalIntervals": 8,
                "returningEntity": {"id": 4, "type": "actions", "name": "Paid"},
                "targetEntity": {"id": "signup", "type": "events", "name": "signup"},
                "period": "Week",
                "meanRetentionCalculation": "none",
            },
        }
    )


def test_a_paths_insight() -> None:
    filters = {
        "insight": "PATHS",
        "include_event_types": ["$pageview"],
        "start_point": "/home",
        "step_limit": 4,
        "exclude_events": ["/admin"],
        "edge_limit": 20,
        "date_from": "-7d",
        "filter_test_accounts": False,
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "PathsQuery",
            "dateRange": {"date_from": "-7d"},
            "filterTestAccounts": False,
            "pathsFilter": {
                "includeEventTypes": ["$pageview"],
                "startPoint": "/home",
                "stepLimit": 4,
                "excludeEvents": ["/admin"],
                "edgeLimit": 20,
            },
        }
    )


def test_a_paths_insight_without_options_keeps_its_required_filter() -> None:
    assert filters_to_query({"insight": "PATHS"}) == viz({"kind": "PathsQuery", "pathsFilter": {}})


def test_a_funnel_paths_insight_nests_the_funnel() -> None:
    filters = {
        "insight": "PATHS",
        "funnel_paths": "funnel_path_before_step",
        "funnel_filter": {
            "insight": "FUNNELS",
            "events": [{"id": "a"}, {"id": "b"}],
            "funnel_step": 2,
        },
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "PathsQuery",
            "pathsFilter": {},
            "funnelPathsFilter": {
                "funnelPathType": "funnel_path_before_step",
                "funnelSource": {
                    "kind": "FunnelsQuery",
                    "series": [
                        {"kind": "EventsNode", "event": "a"},
                        {"kind": "EventsNode", "event": "b"},
                    ],
                },
                "funnelStep": 2,
            },
        }
    )


def test_property_groups_are_kept_and_cleaned() -> None:
    filters = {
        "events": [{"id": "a"}],
        "properties": {
            "type": "OR",
            "values": [
                {"type": "AND", "values": [{"key": "x", "values": ["1"], "type": "events"}]},
                {"type": "precalculated-cohort", "key": "name", "value": 5, "operator": "in"},
            ],
        },
    }
    assert filters_to_query(filters) == viz(
        {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "a"}],
            "properties": {
                "type": "OR",
                "values": [
                    {
                        "type": "AND",
                        "values": [
                            {"key": "x", "value": ["1"], "type": "event", "operator": "exact"}
                        ],
                    },
                    {"type": "AND", "values": [{"type": "cohort", "key": "id", "value": 5}]},
                ],
            },
        }
    )


def test_old_style_properties_are_read() -> None:
    assert filters_to_query(
        {"events": [{"id": "a", "properties": {"utm__icontains": "mail"}}], "properties": {"b": 1}}
    ) == viz(
        {
            "kind": "TrendsQuery",
            "series": [
                {
                    "kind": "EventsNode",
                    "event": "a",
                    "properties": [
                        {"key": "utm", "value": "mail", "operator": "icontains", "type": "event"}
                    ],
                }
            ],
            "properties": {
                "type": "AND",
                "values": [
                    {
                        "type": "AND",
                        "values": [{"key": "b", "value": 1, "operator": "exact", "type": "event"}],
                    }
                ],
            },
        }
    )


def test_explicit_date_and_sampling_factor() -> None:
    assert filters_to_query(
        {
            "events": [{"id": "a"}],
            "date_from": "2024-01-01T10:00:00",
            "explicit_date": "true",
            "sampling_factor": "0.1",
        }
    ) == viz(
        {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "a"}],
            "dateRange": {"date_from": "2024-01-01T10:00:00", "explicitDate": True},
            "samplingFactor": 0.1,
        }
    )


def test_an_unreadable_sampling_factor_is_dropped() -> None:
    assert filters_to_query({"events": [{"id": "a"}], "sampling_factor": "lots"}) == viz(
        {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "a"}]}
    )


@pytest.mark.parametrize(
    ("filters", "reason"),
    [
        ({"insight": "FOO"}, "Unknown insight type 'FOO'."),
        ({"events": [{"id": "a"}], "interval": "fortnight"}, "interval"),
        ({"events": [{"id": "a", "math": "bogus"}]}, "math"),
        ({"events": "not json"}, "JSONDecodeError"),
        ({"events": [{"id": "a"}], "properties": "nope"}, "Properties must be"),
    ],
)
def test_unconvertible_filters_give_none_and_say_why(
    filters: dict[str, Any], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="insights.queries.legacy_filters"):
        assert filters_to_query(filters) is None
    assert "Legacy insight filters not converted to a query" in caplog.text
    assert reason in caplog.text


@pytest.mark.parametrize("filters", [{}, None, ["not", "a", "dict"]])
def test_empty_or_non_object_filters_give_none(filters: Any) -> None:
    assert filters_to_query(filters) is None


def test_the_input_is_not_modified() -> None:
    filters = {"events": [{"id": "a", "properties": [{"key": "k", "type": "events"}]}]}
    snapshot = repr(filters)
    filters_to_query(filters)
    assert repr(filters) == snapshot


def test_every_conversion_validates() -> None:
    converted = filters_to_query({"insight": "STICKINESS", "events": [{"id": "a"}]})
    assert converted is not None
    assert validate_query(converted) == converted


def test_insight_query_prefers_the_stored_query() -> None:
    stored = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}
    assert insight_query(stored, {"events": [{"id": "a"}]}) is stored
    assert insight_query(None, {"events": [{"id": "a"}]}) == viz(
        {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "a"}]}
    )
    assert insight_query(None, {}) is None
