"""Dashboard ``filters_override`` applied to a query source."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import ValidationError

from insights.queries.overrides import apply_filters_override

SOURCE = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "-7d"},
    "properties": [{"key": "a", "value": "1"}],
}


def test_dates_replace_and_properties_are_added() -> None:
    result = apply_filters_override(
        SOURCE, {"date_from": "-30d", "date_to": None, "properties": [{"key": "b", "value": "2"}]}
    )
    assert result == {
        **SOURCE,
        "dateRange": {"date_from": "-30d", "date_to": None},
        "properties": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}],
    }
    assert SOURCE["dateRange"] == {"date_from": "-7d"}  # the input is not changed


def test_properties_join_a_property_group() -> None:
    group = {"type": "OR", "values": [{"type": "AND", "values": [{"key": "a", "value": "1"}]}]}
    result = apply_filters_override(
        {**SOURCE, "properties": group}, {"properties": [{"key": "b", "value": "2"}]}
    )
    assert result["properties"] == {
        "type": "AND",
        "values": [
            {"type": "OR", "values": [{"type": "AND", "values": [{"key": "a", "value": "1"}]}]},
            {"type": "AND", "values": [{"key": "b", "value": "2"}]},
        ],
    }


def test_breakdown_filter_replaces() -> None:
    result = apply_filters_override(SOURCE, {"breakdown_filter": {"breakdown": "$browser"}})
    assert result["breakdownFilter"] == {"breakdown": "$browser"}


def test_non_insight_sources_are_left_alone() -> None:
    hogql = {"kind": "HogQLQuery", "query": "select 1"}
    assert apply_filters_override(hogql, {"date_from": "-1d"}) is hogql


def test_bad_override_is_a_400_naming_it() -> None:
    with pytest.raises(ValidationError) as caught:
        apply_filters_override(SOURCE, ["nope"])
    assert list(caught.value.detail) == ["filters_override"]  # type: ignore[arg-type]
