"""TrendsQuery on the hand-made event set of conftest.py (range 2024-01-01..2024-01-04 unless noted)."""

from __future__ import annotations

from typing import Any

import pytest

from posthog_api.models import Team
from tests.events import create_event
from tests.insights.queries.helpers import calculate
from tests.insights.queries.helpers import compact
from tests.insights.queries.helpers import pageviews
from tests.insights.queries.helpers import results
from tests.insights.queries.helpers import trends

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-04"}
DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
LABELS = ["1-Jan-2024", "2-Jan-2024", "3-Jan-2024", "4-Jan-2024"]


def data_of(team: Team, **source: Any) -> list[list[Any]]:
    return [item["data"] for item in results(team, trends(dateRange=RANGE, **source))]


def test_total_count_is_a_whole_result_object(events: Team) -> None:
    response = calculate(events, trends(series=[pageviews()], dateRange=RANGE))
    [item] = response["results"]
    assert item == {
        "data": [2, 1, 1, 1],
        "labels": LABELS,
        "days": DAYS,
        "count": 5.0,
        "label": "$pageview",
        "order": 0,
        "action": {
            "days": [f"{day}T00:00:00Z" for day in DAYS],
            "id": "$pageview",
            "type": "events",
            "order": 0,
            "name": "$pageview",
            "custom_name": None,
            "math": "total",
            "math_property": None,
            "math_hogql": None,
            "math_group_type_index": None,
            "properties": {},
        },
        "filter": {
            "insight": "TRENDS",
            "date_from": "2024-01-01T00:00:00Z",
            "date_to": "2024-01-04T23:59:59.999999Z",
            "interval": "day",
            "display": "ActionsLineGraph",
            "filter_test_accounts": False,
        },
    }
    assert response["hasMore"] is False
    assert response["resolved_date_range"] == {
        "date_from": "2024-01-01T00:00:00Z",
        "date_to": "2024-01-04T23:59:59.999999Z",
    }


def test_dau_counts_a_person_with_two_distinct_ids_once(events: Team) -> None:
    [item] = results(events, trends(series=[pageviews(math="dau")], dateRange=RANGE))
    assert (item["data"], item["count"]) == ([1, 1, 1, 1], 4.0)


def test_dau_follows_a_merge_made_after_the_events(events: Team) -> None:
    # anon's event was stored without a person; mapping anon to P2 later makes it P2's.
    from posthog_api.models import Person
    from posthog_api.models import PersonDistinctId

    p2 = PersonDistinctId.objects.get(team=events, distinct_id="p2").person
    PersonDistinctId.objects.create(team=events, person=p2, distinct_id="anon")
    assert isinstance(p2, Person)
    source = trends(
        series=[pageviews(math="dau")],
        dateRange={"date_from": "2024-01-02", "date_to": "2024-01-04"},
        trendsFilter={"display": "ActionsPie"},
    )
    [item] = results(events, source)
    assert item["aggregated_value"] == 1


@pytest.mark.parametrize(
    ("math", "expected"),
    [
        ("sum", [30.0, 5.0, 0.0, 0.0]),
        ("avg", [15.0, 5.0, 0.0, 0.0]),
        ("min", [10.0, 5.0, 0.0, 0.0]),
        ("max", [20.0, 5.0, 0.0, 0.0]),
        ("median", [15.0, 5.0, 0.0, 0.0]),
        ("p90", [19.0, 5.0, 0.0, 0.0]),
    ],
)
def test_property_math_ignores_non_numeric_values_and_fills_zero(
    events: Team, math: str, expected: list[float]
) -> None:
    [data] = data_of(events, series=[pageviews(math=math, math_property="price")])
    assert data == expected


def test_property_math_needs_a_property(events: Team) -> None:
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        calculate(events, trends(series=[pageviews(math="sum")], dateRange=RANGE))
    assert caught.value.detail == {
        "query": {
            "source": {"series": {"0": {"math_property": ["This math needs a math_property."]}}}
        }
    }


def test_unique_sessions_count_missing_session_as_one_value(events: Team) -> None:
    assert data_of(events, series=[pageviews(math="unique_session")]) == [[1, 1, 1, 1]]


def test_weekly_active_uses_the_seven_days_ending_on_each_day(events: Team) -> None:
    # 01-10 covers 01-04..01-10 (P2, P1); 01-11 covers 01-05..01-11 (P1).
    [item] = results(
        events,
        trends(
            series=[pageviews(math="weekly_active")],
            dateRange={"date_from": "2024-01-10", "date_to": "2024-01-11"},
        ),
    )
    assert (item["data"], item["days"]) == ([2, 1], ["2024-01-10", "2024-01-11"])


def test_monthly_active_total_value_counts_the_last_thirty_days(events: Team) -> None:
    [item] = results(
        events,
        trends(
            series=[pageviews(math="monthly_active")],
            dateRange={"date_from": "2024-01-03", "date_to": "2024-01-04"},
            trendsFilter={"display": "BoldNumber"},
        ),
    )
    assert item["aggregated_value"] == 3


def test_events_just_outside_the_range_are_excluded(events: Team) -> None:
    # Event 0 is one second before 01-01 and event 7 is at 01-05 00:00.
    [item] = results(events, trends(series=[pageviews()], dateRange=RANGE))
    assert item["count"] == 5.0


def test_timezone_moves_events_across_the_day_boundary(team: Team) -> None:
    team.timezone = "America/New_York"
    team.save()
    create_event(team=team, event="$pageview", distinct_id="x", timestamp="2024-01-02T04:30:00Z")
    create_event(team=team, event="$pageview", distinct_id="x", timestamp="2024-01-02T05:30:00Z")
    response = calculate(
        team,
        trends(
            series=[pageviews()], dateRange={"date_from": "2024-01-01", "date_to": "2024-01-02"}
        ),
    )
    [item] = response["results"]
    assert item["data"] == [1, 1]
    assert item["action"]["days"] == ["2024-01-01T00:00:00-05:00", "2024-01-02T00:00:00-05:00"]
    assert response["resolved_date_range"] == {
        "date_from": "2024-01-01T00:00:00-05:00",
        "date_to": "2024-01-02T23:59:59.999999-05:00",
    }


def test_the_same_events_in_utc_fall_on_one_day(team: Team) -> None:
    create_event(team=team, event="$pageview", distinct_id="x", timestamp="2024-01-02T04:30:00Z")
    create_event(team=team, event="$pageview", distinct_id="x", timestamp="2024-01-02T05:30:00Z")
    [item] = results(
        team,
        trends(
            series=[pageviews()], dateRange={"date_from": "2024-01-01", "date_to": "2024-01-02"}
        ),
    )
    assert item["data"] == [0, 2]


@pytest.mark.parametrize(
    ("week_start_day", "data", "days", "labels"),
    [
        (
            1,
            [1, 2, 1],
            ["2024-01-01", "2024-01-08", "2024-01-15"],
            ["3\u20137 Jan", "8\u201314 Jan", "15\u201316 Jan"],
        ),
        (
            0,
            [1, 1, 2],
            ["2023-12-31", "2024-01-07", "2024-01-14"],
            ["3\u20136 Jan", "7\u201313 Jan", "14\u201316 Jan"],
        ),
    ],
)
def test_week_buckets_follow_the_team_week_start(
    team: Team, week_start_day: int, data: list[int], days: list[str], labels: list[str]
) -> None:
    team.week_start_day = week_start_day
    team.save()
    # 01-02 is before date_from (Wed 01-03) inside the first week: excluded.
    for ts in [
        "2024-01-02T12:00:00Z",
        "2024-01-03T12:00:00Z",
        "2024-01-09T12:00:00Z",
        "2024-01-14T12:00:00Z",
        "2024-01-16T12:00:00Z",
    ]:
        create_event(team=team, event="$pageview", distinct_id="x", timestamp=ts)
    [item] = results(
        team,
        trends(
            series=[pageviews()],
            interval="week",
            dateRange={"date_from": "2024-01-03", "date_to": "2024-01-16"},
        ),
    )
    assert (item["data"], item["days"], item["labels"]) == (data, days, labels)


def test_hour_buckets_keep_exact_bounds(team: Team) -> None:
    for ts in [
        "2024-01-01T09:59:00Z",
        "2024-01-01T10:00:00Z",
        "2024-01-01T12:29:00Z",
        "2024-01-01T12:31:00Z",
    ]:
        create_event(team=team, event="$pageview", distinct_id="x", timestamp=ts)
    [item] = results(
        team,
        trends(
            series=[pageviews()],
            interval="hour",
            dateRange={"date_from": "2024-01-01T10:00:00", "date_to": "2024-01-01T12:30:00"},
        ),
    )
    assert item["data"] == [1, 0, 1]
    assert item["days"] == ["2024-01-01 10:00:00", "2024-01-01 11:00:00", "2024-01-01 12:00:00"]
    assert item["labels"] == ["1-Jan 10:00", "1-Jan 11:00", "1-Jan 12:00"]


def test_month_buckets(events: Team) -> None:
    [item] = results(
        events,
        trends(
            series=[pageviews()],
            interval="month",
            dateRange={"date_from": "2023-12-15", "date_to": "2024-01-04"},
        ),
    )
    assert (item["data"], item["days"], item["labels"]) == (
        [1, 5],
        ["2023-12-01", "2024-01-01"],
        ["Dec 2023", "Jan 2024"],
    )


def test_date_from_all_starts_at_the_first_event(events: Team) -> None:
    [item] = results(
        events,
        trends(series=[pageviews()], dateRange={"date_from": "all", "date_to": "2024-01-02"}),
    )
    assert (item["data"], item["days"]) == ([1, 2, 1], ["2023-12-31", "2024-01-01", "2024-01-02"])


def test_breakdown_orders_values_by_total_then_value_then_null(events: Team) -> None:
    items = results(
        events,
        trends(
            series=[pageviews()],
            dateRange=RANGE,
            breakdownFilter={"breakdown": "$browser", "breakdown_type": "event"},
        ),
    )
    assert compact(items, "label", "breakdown_value", "data", "count") == [
        {"label": "Chrome", "breakdown_value": "Chrome", "data": [2, 0, 0, 0], "count": 2.0},
        {"label": "Firefox", "breakdown_value": "Firefox", "data": [0, 0, 0, 1], "count": 1.0},
        {"label": "Safari", "breakdown_value": "Safari", "data": [0, 1, 0, 0], "count": 1.0},
        {
            "label": "$$_posthog_breakdown_null_$$",
            "breakdown_value": "$$_posthog_breakdown_null_$$",
            "data": [0, 0, 1, 0],
            "count": 1.0,
        },
    ]


def test_breakdown_limit_sums_the_rest_into_other(events: Team) -> None:
    response = calculate(
        events,
        trends(
            series=[pageviews()],
            dateRange=RANGE,
            breakdownFilter={"breakdown": "$browser", "breakdown_limit": 2},
        ),
    )
    assert compact(response["results"], "breakdown_value", "data") == [
        {"breakdown_value": "Chrome", "data": [2, 0, 0, 0]},
        {"breakdown_value": "Firefox", "data": [0, 0, 0, 1]},
        {"breakdown_value": "$$_posthog_breakdown_other_$$", "data": [0, 1, 1, 0]},
    ]
    assert response["hasMore"] is True


def test_other_of_dau_counts_distinct_people_not_a_sum(events: Team) -> None:
    # Limit 1 keeps free (P2: 01-02 and 01-04); Other is P1 on 01-01 and anon on 01-03.
    items = results(
        events,
        trends(
            series=[pageviews(math="dau")],
            dateRange=RANGE,
            breakdownFilter={"breakdown": "plan", "breakdown_type": "person", "breakdown_limit": 1},
        ),
    )
    assert compact(items, "breakdown_value", "data") == [
        {"breakdown_value": "free", "data": [0, 1, 0, 1]},
        {"breakdown_value": "$$_posthog_breakdown_other_$$", "data": [1, 0, 1, 0]},
    ]


def test_hidden_other_keeps_has_more(events: Team) -> None:
    response = calculate(
        events,
        trends(
            series=[pageviews()],
            dateRange=RANGE,
            breakdownFilter={
                "breakdown": "$browser",
                "breakdown_limit": 2,
                "breakdown_hide_other_aggregation": True,
            },
        ),
    )
    assert [item["breakdown_value"] for item in response["results"]] == ["Chrome", "Firefox"]
    assert response["hasMore"] is True


def test_person_property_breakdown_uses_the_current_person(events: Team) -> None:
    items = results(
        events,
        trends(
            series=[pageviews()],
            dateRange=RANGE,
            breakdownFilter={"breakdown": "plan", "breakdown_type": "person"},
        ),
    )
    assert compact(items, "breakdown_value", "data") == [
        {"breakdown_value": "free", "data": [0, 1, 0, 1]},
        {"breakdown_value": "pro", "data": [2, 0, 0, 0]},
        {"breakdown_value": "$$_posthog_breakdown_null_$$", "data": [0, 0, 1, 0]},
    ]


def test_breakdown_with_two_series_prefixes_labels(events: Team) -> None:
    items = results(
        events,
        trends(
            series=[pageviews(), {"kind": "EventsNode", "event": "signup"}],
            dateRange=RANGE,
            breakdownFilter={"breakdown": "plan", "breakdown_type": "person"},
        ),
    )
    assert [item["label"] for item in items] == [
        "$pageview - free",
        "$pageview - pro",
        "$pageview - $$_posthog_breakdown_null_$$",
        "signup - free",
    ]


def test_compare_returns_current_then_previous_period(events: Team) -> None:
    items = results(
        events,
        trends(
            series=[pageviews()],
            dateRange={"date_from": "2024-01-03", "date_to": "2024-01-04"},
            compareFilter={"compare": True},
        ),
    )
    assert compact(items, "data", "days", "compare", "compare_label", "count") == [
        {
            "data": [1, 1],
            "days": ["2024-01-03", "2024-01-04"],
            "compare": True,
            "compare_label": "current",
            "count": 2.0,
        },
        {
            "data": [2, 1],
            "days": ["2024-01-01", "2024-01-02"],
            "compare": True,
            "compare_label": "previous",
            "count": 3.0,
        },
    ]


def test_formula_replaces_series_and_divides_by_zero_as_zero(events: Team) -> None:
    items = results(
        events,
        trends(
            series=[pageviews(), {"kind": "EventsNode", "event": "signup"}],
            dateRange=RANGE,
            trendsFilter={
                "formulaNodes": [
                    {"formula": "B/A", "custom_name": "ratio"},
                    {"formula": "a + b * 2"},
                ]
            },
        ),
    )
    assert compact(items, "label", "data", "count", "action", "order") == [
        {"label": "ratio", "data": [0.0, 1.0, 0.0, 0.0], "count": 1.0, "action": None, "order": 0},
        {
            "label": "Formula (a + b * 2)",
            "data": [2.0, 3.0, 1.0, 1.0],
            "count": 7.0,
            "action": None,
            "order": 1,
        },
    ]
    zero = results(
        events,
        trends(
            series=[{"kind": "EventsNode", "event": "signup"}, pageviews()],
            dateRange=RANGE,
            trendsFilter={"formula": "B/A"},
        ),
    )
    assert zero[0]["data"] == [0.0, 1.0, 0.0, 0.0]


def test_formula_with_breakdown_matches_values(events: Team) -> None:
    items = results(
        events,
        trends(
            series=[pageviews(), pageviews(math="dau")],
            dateRange=RANGE,
            breakdownFilter={"breakdown": "plan", "breakdown_type": "person"},
            trendsFilter={"formula": "A/B"},
        ),
    )
    assert compact(items, "breakdown_value", "data") == [
        {"breakdown_value": "free", "data": [0.0, 1.0, 0.0, 1.0]},
        {"breakdown_value": "pro", "data": [2.0, 0.0, 0.0, 0.0]},
        {"breakdown_value": "$$_posthog_breakdown_null_$$", "data": [0.0, 0.0, 1.0, 0.0]},
    ]


def test_invalid_formula_is_a_400(events: Team) -> None:
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError):
        calculate(
            events,
            trends(
                series=[pageviews()],
                dateRange=RANGE,
                trendsFilter={"formula": "A + __import__('os')"},
            ),
        )
    with pytest.raises(ValidationError):
        calculate(
            events, trends(series=[pageviews()], dateRange=RANGE, trendsFilter={"formula": "A + C"})
        )


def test_cumulative_total_is_a_running_sum(events: Team) -> None:
    [item] = results(
        events,
        trends(
            series=[pageviews()],
            dateRange=RANGE,
            trendsFilter={"display": "ActionsLineGraphCumulative"},
        ),
    )
    assert (item["data"], item["count"]) == ([2, 3, 4, 5], 5.0)


def test_cumulative_users_count_each_person_once_at_first_sight(events: Team) -> None:
    [item] = results(
        events,
        trends(
            series=[pageviews(math="dau")],
            dateRange=RANGE,
            trendsFilter={"display": "ActionsLineGraphCumulative"},
        ),
    )
    assert (item["data"], item["count"]) == ([1, 2, 3, 3], 3.0)


def test_total_value_display_aggregates_the_whole_range(events: Team) -> None:
    [item] = results(
        events,
        trends(
            series=[pageviews(math="dau")], dateRange=RANGE, trendsFilter={"display": "ActionsPie"}
        ),
    )
    assert compact([item], "data", "days", "count", "aggregated_value", "label") == [
        {"data": [], "days": [], "count": 0, "aggregated_value": 3, "label": "$pageview"}
    ]


def test_smoothing_floors_the_moving_average(events: Team) -> None:
    assert data_of(
        events,
        series=[pageviews(math="sum", math_property="price")],
        trendsFilter={"smoothingIntervals": 2},
    ) == [[30, 17, 2, 0]]


def test_all_events_series(events: Team) -> None:
    [item] = results(
        events, trends(series=[{"kind": "EventsNode", "event": None}], dateRange=RANGE)
    )
    assert (item["data"], item["label"], item["action"]["name"]) == (
        [2, 2, 1, 1],
        "All events",
        "All events",
    )


def test_test_account_filters_apply_when_asked(events: Team) -> None:
    events.test_account_filters = [
        {"key": "email", "type": "person", "operator": "not_icontains", "value": "x.com"}
    ]
    events.save()
    assert data_of(events, series=[pageviews()], filterTestAccounts=True) == [[0, 1, 1, 1]]
    assert data_of(events, series=[pageviews()], filterTestAccounts=False) == [[2, 1, 1, 1]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"key": "$browser", "value": "Chrome", "type": "event"}], [2, 0, 0, 0]),
        ([{"key": "$browser", "operator": "exact", "value": ["Chrome", "Safari"]}], [2, 1, 0, 0]),
        ([{"key": "$browser", "operator": "is_not", "value": "Chrome"}], [0, 1, 1, 1]),
        ([{"key": "$browser", "operator": "is_not", "value": ["Chrome", "Safari"]}], [0, 0, 1, 1]),
        ([{"key": "$browser", "operator": "icontains", "value": "FIRE"}], [0, 0, 0, 1]),
        ([{"key": "$browser", "operator": "not_icontains", "value": "fire"}], [2, 1, 1, 0]),
        ([{"key": "$browser", "operator": "regex", "value": "^(Chrome|Safari)$"}], [2, 1, 0, 0]),
        (
            [{"key": "$browser", "operator": "not_regex", "value": "^(Chrome|Safari)$"}],
            [0, 0, 1, 1],
        ),
        ([{"key": "price", "operator": "gt", "value": 5}], [2, 0, 0, 0]),
        ([{"key": "price", "operator": "gte", "value": "5"}], [2, 1, 0, 0]),
        ([{"key": "price", "operator": "lt", "value": 10}], [0, 1, 0, 0]),
        ([{"key": "price", "operator": "lte", "value": 10}], [1, 1, 0, 0]),
        ([{"key": "price", "operator": "between", "value": [5, 10]}], [1, 1, 0, 0]),
        ([{"key": "price", "operator": "not_between", "value": [5, 10]}], [1, 0, 0, 0]),
        ([{"key": "$browser", "operator": "is_set"}], [2, 1, 0, 1]),
        ([{"key": "$browser", "operator": "is_not_set"}], [0, 0, 1, 0]),
        ([{"key": "plan", "type": "person", "value": "pro"}], [2, 0, 0, 0]),
        ([{"key": "plan", "type": "person", "operator": "is_not", "value": "pro"}], [0, 1, 1, 1]),
        ([{"key": "distinct_id", "type": "event_metadata", "value": "anon"}], [0, 0, 1, 0]),
        ([{"key": "$browser", "value": []}], [2, 1, 1, 1]),
        (
            {
                "type": "OR",
                "values": [
                    {"type": "AND", "values": [{"key": "$browser", "value": "Safari"}]},
                    {"type": "AND", "values": [{"key": "plan", "type": "person", "value": "pro"}]},
                ],
            },
            [2, 1, 0, 0],
        ),
    ],
)
def test_property_filters(events: Team, filters: Any, expected: list[int]) -> None:
    assert data_of(events, series=[pageviews()], properties=filters) == [expected]


def test_series_properties_apply_to_that_series_only(events: Team) -> None:
    assert data_of(
        events,
        series=[pageviews(properties=[{"key": "$browser", "value": "Safari"}]), pageviews()],
    ) == [[0, 1, 0, 0], [2, 1, 1, 1]]


def test_date_filter_on_a_property(team: Team) -> None:
    create_event(
        team=team,
        event="$pageview",
        distinct_id="x",
        timestamp="2024-01-01T10:00:00Z",
        properties={"signed": "2023-05-01T00:00:00Z"},
    )
    create_event(
        team=team,
        event="$pageview",
        distinct_id="x",
        timestamp="2024-01-01T11:00:00Z",
        properties={"signed": "2023-07-01"},
    )
    create_event(
        team=team,
        event="$pageview",
        distinct_id="x",
        timestamp="2024-01-01T12:00:00Z",
        properties={"signed": "not a date"},
    )
    source = trends(
        series=[pageviews()],
        dateRange={"date_from": "2024-01-01", "date_to": "2024-01-01"},
        properties=[{"key": "signed", "operator": "is_date_before", "value": "2023-06-01"}],
    )
    assert results(team, source)[0]["data"] == [1]


def test_element_filters(team: Team) -> None:
    chain = 'a.btn:attr__class="btn"href="/signup"nth-child="2"nth-of-type="1"text="Sign up";div:nth-child="1"nth-of-type="1"'
    create_event(team=team, event="$autocapture", distinct_id="x", timestamp="2024-01-01T10:00:00Z")
    from posthog_api.models import Event

    Event.objects.filter(team=team).update(elements_chain=chain)
    create_event(team=team, event="$autocapture", distinct_id="x", timestamp="2024-01-01T11:00:00Z")
    series = [{"kind": "EventsNode", "event": "$autocapture"}]
    window = {"date_from": "2024-01-01", "date_to": "2024-01-01"}
    for filters, expected in [
        ([{"type": "element", "key": "tag_name", "value": "a"}], [1]),
        ([{"type": "element", "key": "tag_name", "operator": "is_not", "value": "a"}], [1]),
        ([{"type": "element", "key": "text", "value": "Sign up"}], [1]),
        ([{"type": "element", "key": "text", "operator": "icontains", "value": "sign"}], [1]),
        ([{"type": "element", "key": "href", "value": "/signup"}], [1]),
        ([{"type": "element", "key": "href", "value": "/other"}], [0]),
    ]:
        assert (
            results(team, trends(series=series, dateRange=window, properties=filters))[0]["data"]
            == expected
        ), filters


def test_element_text_and_href_with_quotes_and_backslashes_match_as_written(team: Team) -> None:
    """The chain stores ``text="Buy \\"now\\""``; a filter says ``Buy "now"``."""
    from posthog_api.models import Event

    chain = 'button:href="/a\\\\b"nth-child="1"nth-of-type="1"text="Buy \\"now\\""'
    create_event(team=team, event="$autocapture", distinct_id="x", timestamp="2024-01-01T10:00:00Z")
    Event.objects.filter(team=team).update(elements_chain=chain)
    create_event(team=team, event="$autocapture", distinct_id="y", timestamp="2024-01-01T11:00:00Z")
    series = [{"kind": "EventsNode", "event": "$autocapture"}]
    window = {"date_from": "2024-01-01", "date_to": "2024-01-01"}
    for filters, expected in [
        ([{"type": "element", "key": "text", "value": 'Buy "now"'}], [1]),
        ([{"type": "element", "key": "text", "operator": "icontains", "value": '"NOW"'}], [1]),
        ([{"type": "element", "key": "text", "operator": "in", "value": ['Buy "now"']}], [1]),
        ([{"type": "element", "key": "text", "operator": "not_in", "value": ['Buy "now"']}], [1]),
        ([{"type": "element", "key": "text", "operator": "not_in", "value": ["Other"]}], [2]),
        ([{"type": "element", "key": "href", "value": "/a\\b"}], [1]),
    ]:
        data = results(team, trends(series=series, dateRange=window, properties=filters))[0]["data"]
        assert data == expected, filters


def test_date_operators_skip_text_that_is_not_a_real_date(team: Team) -> None:
    for n, signed in enumerate(
        ["2024-02-31", "0000-01-01", "2023-01-01T10:00:00+99", "2023-05-01"]
    ):
        create_event(
            team=team,
            event="$pageview",
            distinct_id=f"d{n}",
            timestamp="2024-01-01T12:00:00Z",
            properties={"signed": signed},
        )
    source = trends(
        series=[pageviews()],
        dateRange={"date_from": "2024-01-01", "date_to": "2024-01-01"},
        properties=[{"key": "signed", "operator": "is_date_before", "value": "2023-06-01"}],
    )

    assert results(team, source)[0]["data"] == [1]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            trends(series=[{"kind": "ActionsNode", "id": 1}]),
            "ActionsNode series (actions) is not yet supported by this service.",
        ),
        (
            trends(series=[pageviews()], properties=[{"type": "cohort", "key": "id", "value": 3}]),
            "Filtering on cohort properties is not yet supported by this service.",
        ),
        (
            {"kind": "PathsQuery", "pathsFilter": {}},
            "Paths is not yet supported by this service.",
        ),
        (
            {"kind": "RetentionQuery", "retentionFilter": {}},
            "Retention is not yet supported by this service.",
        ),
        (
            {"kind": "HogQLQuery", "query": "select 1"},
            "HogQL (SQL insights) is not yet supported by this service.",
        ),
    ],
)
def test_unsupported_features_are_a_400_that_says_so(
    team: Team, source: dict[str, Any], message: str
) -> None:
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        calculate(team, source)
    assert caught.value.detail == {"query": [message]}


def test_dau_with_an_event_breakdown(events: Team) -> None:
    items = results(
        events,
        trends(
            series=[pageviews(math="dau")],
            dateRange=RANGE,
            breakdownFilter={"breakdown": "$browser"},
        ),
    )
    assert compact(items, "breakdown_value", "data") == [
        {"breakdown_value": "Chrome", "data": [1, 0, 0, 0]},
        {"breakdown_value": "Firefox", "data": [0, 0, 0, 1]},
        {"breakdown_value": "Safari", "data": [0, 1, 0, 0]},
        {"breakdown_value": "$$_posthog_breakdown_null_$$", "data": [0, 0, 1, 0]},
    ]
