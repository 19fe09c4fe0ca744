from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.elements.helpers import BUY
from tests.elements.helpers import BUY_ELEMENTS
from tests.elements.helpers import DOCS
from tests.elements.helpers import SIGNUP
from tests.elements.helpers import SIGNUP_ELEMENTS
from tests.elements.helpers import add_events
from tests.events import create_person

pytestmark = pytest.mark.django_db

JANUARY = {"date_from": "2024-01-01", "date_to": "2024-01-31"}


def stats(client, team, **params):
    return client.get(f"/api/projects/{team.id}/elements/stats/", {**JANUARY, **params})


def summary(response):
    """(type, text of the clicked element, count) per row, in order."""
    return [
        (row["type"], row["elements"][0]["text"], row["count"])
        for row in response.json()["results"]
    ]


def test_groups_events_by_chain_and_type_with_full_elements(api_client, team):
    add_events(team, SIGNUP, count=3)
    add_events(team, BUY, count=2)
    add_events(team, SIGNUP, count=1, event="$rageclick")
    response = stats(api_client, team)
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "count": 3,
                "hash": "8ddbd9b9bb235d8c",
                "type": "$autocapture",
                "elements": SIGNUP_ELEMENTS,
            },
            {
                "count": 2,
                "hash": "76915d8b0cee644f",
                "type": "$autocapture",
                "elements": BUY_ELEMENTS,
            },
            {
                "count": 1,
                "hash": "8ddbd9b9bb235d8c",
                "type": "$rageclick",
                "elements": SIGNUP_ELEMENTS,
            },
        ],
        "next": None,
        "previous": None,
    }


def test_ignores_other_events_empty_chains_and_other_teams(api_client, team, outsider):
    add_events(team, SIGNUP, event="$pageview")
    add_events(team, "", count=4)
    add_events(outsider.current_team, BUY, count=5)
    add_events(team, DOCS, event="$dead_click")
    assert summary(stats(api_client, team)) == [("$dead_click", "Docs", 1)]


@pytest.mark.parametrize(
    "include",
    [
        ["$rageclick", "$dead_click"],
        '["$rageclick", "$dead_click"]',
        " $rageclick , $dead_click ",
        ["$rageclick", '["$dead_click"]'],
    ],
)
def test_include_accepts_repeated_json_and_comma_forms(api_client, team, include):
    add_events(team, SIGNUP, count=3)
    add_events(team, BUY, count=2, event="$rageclick")
    add_events(team, DOCS, event="$dead_click")
    response = stats(api_client, team, include=include)
    assert summary(response) == [("$rageclick", 'Buy "now"', 2), ("$dead_click", "Docs", 1)]


@pytest.mark.parametrize(
    ("include", "detail"),
    [
        ("$pageview", "Only $autocapture, $rageclick, and $dead_click are supported."),
        (
            ["$autocapture", "$identify"],
            "Only $autocapture, $rageclick, and $dead_click are supported.",
        ),
        ('["$autocapture"', "include must be a valid JSON array when passed as one"),
        ('["$autocapture", 3]', "include must be a JSON array of event names"),
    ],
)
def test_bad_include_is_400(api_client, team, include, detail):
    response = stats(api_client, team, include=include)
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": detail,
        "attr": "include",
    }


def test_date_from_is_truncated_to_midnight_in_the_team_timezone(api_client, team):
    team.timezone = "America/New_York"
    team.save()
    add_events(team, SIGNUP, timestamp="2024-01-05T05:30:00Z")  # 00:30 on the 5th in New York
    add_events(team, BUY, timestamp="2024-01-05T04:30:00Z")  # 23:30 on the 4th in New York
    response = stats(api_client, team, date_from="2024-01-05T15:00:00", date_to="2024-01-06")
    assert summary(response) == [("$autocapture", "Sign up", 1)]


def test_a_bare_date_to_includes_that_whole_day(api_client, team):
    add_events(team, SIGNUP, timestamp="2024-01-10T23:59:00Z")
    add_events(team, BUY, timestamp="2024-01-11T00:00:01Z")
    response = stats(api_client, team, date_from="2024-01-10", date_to="2024-01-10")
    assert summary(response) == [("$autocapture", "Sign up", 1)]


def test_a_datetime_date_to_is_exact(api_client, team):
    add_events(team, SIGNUP, timestamp="2024-01-10T10:00:00Z")
    add_events(team, BUY, timestamp="2024-01-10T12:00:00Z")
    response = stats(api_client, team, date_from="2024-01-10", date_to="2024-01-10T11:00:00Z")
    assert summary(response) == [("$autocapture", "Sign up", 1)]


def test_default_range_is_the_last_seven_days_from_midnight(api_client, team):
    now = timezone.now()
    add_events(team, SIGNUP, timestamp=now - timedelta(days=3))
    add_events(team, BUY, timestamp=now - timedelta(days=9))
    seven_days_ago_midnight = (now - timedelta(days=7)).replace(hour=0, minute=0, second=1)
    add_events(team, DOCS, timestamp=seven_days_ago_midnight)
    response = api_client.get(f"/api/projects/{team.id}/elements/stats/")
    assert sorted(summary(response)) == [
        ("$autocapture", "Docs", 1),
        ("$autocapture", "Sign up", 1),
    ]


def test_relative_date_from(api_client, team):
    now = timezone.now()
    add_events(team, SIGNUP, timestamp=now - timedelta(days=1))
    add_events(team, BUY, timestamp=now - timedelta(days=3))
    response = api_client.get(f"/api/projects/{team.id}/elements/stats/", {"date_from": "-2d"})
    assert summary(response) == [("$autocapture", "Sign up", 1)]


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"date_from": "last tuesday"}, "date_from"),
        ({"date_from": "-99999999999999d"}, "date_from"),
        ({"date_to": "2024-02-30"}, "date_to"),
        ({"offset": str(10**30)}, "offset"),
    ],
)
def test_out_of_range_values_are_400_not_500(api_client, team, params, attr):
    response = stats(api_client, team, **params)
    assert response.status_code == 400
    assert response.json()["attr"] == attr


@pytest.mark.parametrize(
    ("operator", "bound", "expected"),
    [
        ("gt", 1, ['Buy "now"', "Sign up"]),
        ("lt", "inf", ['Buy "now"', "Sign up"]),
        ("lt", 1, []),
    ],
)
def test_huge_numbers_in_properties_never_overflow(api_client, team, operator, bound, expected):
    add_events(team, SIGNUP, properties={"price": "9e99999"})
    add_events(team, BUY, properties={"price": 1e300})
    # Past what PostgreSQL's numeric holds: read as no number, like other non-numeric text.
    add_events(team, DOCS, properties={"price": "9e999999"})
    add_events(team, DOCS, properties={"price": "1e-99999"})
    add_events(team, DOCS, properties={"price": "9" * 140_000})
    properties = json.dumps([{"key": "price", "value": bound, "operator": operator}])
    response = stats(api_client, team, properties=properties)
    assert response.status_code == 200
    assert sorted(row[1] for row in summary(response)) == expected


def test_event_property_filter(api_client, team):
    add_events(team, SIGNUP, count=2, properties={"$current_url": "https://acme.com/pricing"})
    add_events(team, BUY, count=3, properties={"$current_url": "https://acme.com/cart"})
    properties = json.dumps([{"key": "$current_url", "value": "PRICING", "operator": "icontains"}])
    response = stats(api_client, team, properties=properties)
    assert summary(response) == [("$autocapture", "Sign up", 2)]


def test_property_group_with_or(api_client, team):
    add_events(team, SIGNUP, properties={"$browser": "Chrome"})
    add_events(team, BUY, properties={"$browser": "Safari"})
    add_events(team, DOCS, properties={"$browser": "Firefox"})
    properties = {
        "type": "OR",
        "values": [
            {"type": "AND", "values": [{"key": "$browser", "value": "Chrome", "type": "event"}]},
            {"type": "AND", "values": [{"key": "$browser", "value": ["Safari"], "type": "event"}]},
        ],
    }
    response = stats(api_client, team, properties=json.dumps(properties))
    assert sorted(summary(response)) == [
        ("$autocapture", 'Buy "now"', 1),
        ("$autocapture", "Sign up", 1),
    ]


def test_person_property_filter(api_client, team):
    create_person(team=team, distinct_ids=["alice"], properties={"plan": "pro"})
    create_person(team=team, distinct_ids=["bob"], properties={"plan": "free"})
    add_events(team, SIGNUP, distinct_id="alice")
    add_events(team, BUY, distinct_id="bob")
    add_events(team, DOCS, distinct_id="nobody")
    properties = json.dumps(
        [{"key": "plan", "value": "free", "operator": "is_not", "type": "person"}]
    )
    response = stats(api_client, team, properties=properties)
    # A person-less event has no plan, so "is not free" matches it, as in PostHog.
    assert sorted(summary(response)) == [
        ("$autocapture", "Docs", 1),
        ("$autocapture", "Sign up", 1),
    ]


def test_element_property_filters(api_client, team):
    add_events(team, SIGNUP)
    add_events(team, BUY)
    add_events(team, DOCS)
    by_tag = [{"type": "element", "key": "tag_name", "value": "button", "operator": "exact"}]
    assert summary(stats(api_client, team, properties=json.dumps(by_tag))) == [
        ("$autocapture", 'Buy "now"', 1)
    ]
    by_text = [{"type": "element", "key": "text", "value": 'Buy "now"', "operator": "exact"}]
    assert summary(stats(api_client, team, properties=json.dumps(by_text))) == [
        ("$autocapture", 'Buy "now"', 1)
    ]
    by_href = [{"type": "element", "key": "href", "value": "/doc", "operator": "icontains"}]
    assert summary(stats(api_client, team, properties=json.dumps(by_href))) == [
        ("$autocapture", "Docs", 1)
    ]


@pytest.mark.parametrize(
    ("prop_filter", "expected"),
    [
        ({"key": "text", "value": 'y "NO', "operator": "icontains"}, ['Buy "now"']),
        ({"key": "text", "value": 'Buy "now"', "operator": "is_not"}, ["Docs", "Sign up"]),
        ({"key": "text", "value": ["Docs", 'Buy "now"']}, ['Buy "now"', "Docs"]),
        ({"key": "text", "value": ['Buy "now"'], "operator": "in"}, ['Buy "now"']),
        ({"key": "text", "value": ["Docs"], "operator": "not_in"}, ['Buy "now"', "Sign up"]),
        ({"key": "href", "value": "/docs"}, ["Docs"]),
        ({"key": "href", "value": "/docs", "operator": "is_not"}, ['Buy "now"', "Sign up"]),
        ({"key": "href", "value": "^/s", "operator": "regex"}, ["Sign up"]),
        ({"key": "tag_name", "value": ["a", "button"]}, ['Buy "now"', "Docs", "Sign up"]),
        ({"key": "tag_name", "value": []}, ['Buy "now"', "Docs", "Sign up"]),
    ],
)
def test_element_filters_compare_plain_text_with_the_escaped_chain(
    api_client, team, prop_filter, expected
):
    add_events(team, SIGNUP)
    add_events(team, BUY)
    add_events(team, DOCS)
    properties = json.dumps([{**prop_filter, "type": "element"}])
    response = stats(api_client, team, properties=properties)
    assert response.status_code == 200, response.json()
    assert sorted(row[1] for row in summary(response)) == expected


def test_numeric_comparison_skips_non_numeric_values(api_client, team):
    add_events(team, SIGNUP, properties={"price": 30})
    add_events(team, BUY, properties={"price": "cheap"})
    add_events(team, DOCS, properties={"price": "5"})
    properties = json.dumps([{"key": "price", "value": 10, "operator": "gt"}])
    assert summary(stats(api_client, team, properties=properties)) == [
        ("$autocapture", "Sign up", 1)
    ]


def test_filter_test_accounts_applies_the_team_filters(api_client, team):
    team.test_account_filters = [
        {"key": "email", "value": "@acme.com", "operator": "not_icontains", "type": "person"}
    ]
    team.save()
    create_person(team=team, distinct_ids=["staff"], properties={"email": "me@acme.com"})
    create_person(team=team, distinct_ids=["customer"], properties={"email": "c@example.com"})
    add_events(team, SIGNUP, distinct_id="staff", count=5)
    add_events(team, BUY, distinct_id="customer")
    assert summary(stats(api_client, team, filter_test_accounts="true")) == [
        ("$autocapture", 'Buy "now"', 1)
    ]
    # Only the lowercase string "true" switches it on.
    assert len(summary(stats(api_client, team, filter_test_accounts="True"))) == 2


@pytest.mark.parametrize(
    "properties",
    [
        "not json",
        json.dumps({"key": "x"}),
        json.dumps([{"key": "x", "operator": "sounds_like"}]),
        json.dumps([{"type": "cohort", "key": "id", "value": 1}]),
        json.dumps([{"key": "x", "value": "abc", "operator": "gt"}]),
    ],
)
def test_bad_property_filters_are_400(api_client, team, properties):
    response = stats(api_client, team, properties=properties)
    assert response.status_code == 400
    assert response.json()["attr"] == "properties"


@pytest.mark.parametrize(
    ("prop_filter", "detail"),
    [
        (
            {"type": "cohort", "key": "id", "value": 1},
            "Filtering on cohort properties is not yet supported by this service.",
        ),
        (
            {"type": "hogql", "key": "1 = 1"},
            "Filtering on hogql properties is not yet supported by this service.",
        ),
        (
            {"type": "session", "key": "$session_duration", "value": 1, "operator": "gt"},
            "Filtering on session properties is not yet supported by this service.",
        ),
        (
            {"type": "group", "key": "name", "value": "x", "group_type_index": 0},
            "Filtering on group properties is not yet supported by this service.",
        ),
        (
            {"type": "element", "key": "selector", "value": "a.btn"},
            "Element selector filters is not yet supported by this service.",
        ),
        (
            {"type": "element", "key": "attr_id", "value": "buy"},
            "0.key: Input should be 'tag_name', 'text', 'href' or 'selector'",
        ),
        ({"type": "nope", "key": "x"}, "0: Unknown property filter type."),
    ],
)
def test_unsupported_filters_are_400_saying_so(api_client, team, prop_filter, detail):
    response = stats(api_client, team, properties=json.dumps([prop_filter]))
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": detail,
        "attr": "properties",
    }


def test_a_date_filter_past_the_supported_range_is_400(api_client, team):
    prop_filter = {"key": "signed", "value": "-99999999999d", "operator": "is_date_before"}
    response = stats(api_client, team, properties=json.dumps([prop_filter]))
    assert response.status_code == 400
    assert response.json()["attr"] == "properties"
    assert response.json()["detail"].endswith("is out of the supported date range.")


def test_invalid_test_account_filters_are_400(api_client, team):
    team.test_account_filters = [{"type": "person", "key": "email", "operator": "sounds_like"}]
    team.save()
    response = stats(api_client, team, filter_test_accounts="true")
    assert response.status_code == 400
    assert response.json()["attr"] == "properties"


def test_an_invalid_regex_is_400_not_500(api_client, team):
    add_events(team, SIGNUP)
    properties = json.dumps([{"key": "$current_url", "value": "(unclosed", "operator": "regex"}])
    properties_for_missing = json.dumps([{"key": "x", "value": "(", "operator": "regex"}])
    add_events(team, BUY, properties={"$current_url": "https://a"})
    assert stats(api_client, team, properties=properties).status_code == 400
    assert stats(api_client, team, properties=properties_for_missing).status_code == 400


def test_pages_with_next_and_previous_but_no_count(api_client, team):
    add_events(team, SIGNUP, count=3)
    add_events(team, BUY, count=2)
    add_events(team, DOCS, count=1)
    first = stats(api_client, team, limit=2)
    body = first.json()
    assert "count" not in body
    assert [row["elements"][0]["text"] for row in body["results"]] == ["Sign up", 'Buy "now"']
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/api/projects/")
    assert "offset=2" in body["next"]
    assert "limit=2" in body["next"]
    second = api_client.get(body["next"]).json()
    assert [row["elements"][0]["text"] for row in second["results"]] == ["Docs"]
    assert second["next"] is None
    assert "offset=0" in second["previous"]


def test_ties_are_ordered_the_same_on_every_page(api_client, team):
    for chain in (SIGNUP, BUY, DOCS):
        add_events(team, chain, count=2)
    whole = [row["hash"] for row in stats(api_client, team).json()["results"]]
    paged = [
        row["hash"]
        for offset in range(3)
        for row in stats(api_client, team, limit=1, offset=offset).json()["results"]
    ]
    assert paged == whole


@pytest.mark.parametrize(
    ("params", "attr", "detail"),
    [
        ({"limit": "ten"}, "limit", "limit must be an integer"),
        ({"limit": "0"}, "limit", "limit must be between 1 and 999999"),
        ({"limit": "1000000"}, "limit", "limit must be between 1 and 999999"),
        ({"offset": "x"}, "offset", "offset must be an integer"),
        ({"offset": "-1"}, "offset", "offset must be zero or greater"),
        ({"sampling_factor": "half"}, "sampling_factor", "sampling_factor must be a float"),
        (
            {"sampling_factor": "0"},
            "sampling_factor",
            "sampling_factor must be greater than 0 and at most 1",
        ),
        (
            {"sampling_factor": "1.5"},
            "sampling_factor",
            "sampling_factor must be greater than 0 and at most 1",
        ),
        (
            {"sampling_factor": "nan"},
            "sampling_factor",
            "sampling_factor must be greater than 0 and at most 1",
        ),
        (
            {"max_element_chain_depth": "deep"},
            "max_element_chain_depth",
            "max_element_chain_depth must be an integer",
        ),
        (
            {"max_element_chain_depth": "0"},
            "max_element_chain_depth",
            "max_element_chain_depth must be greater than zero",
        ),
    ],
)
def test_invalid_parameters_are_400_with_posthogs_messages(api_client, team, params, attr, detail):
    response = stats(api_client, team, **params)
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": detail,
        "attr": attr,
    }


def test_sampling_scales_counts_up_by_the_factor(api_client, team):
    distinct_ids = [f"visitor-{i}" for i in range(200)]
    for distinct_id in distinct_ids:
        add_events(team, SIGNUP, distinct_id=distinct_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::text[]) d WHERE abs(hashtext(d)::bigint) %% 1000000 < 500000",
            [distinct_ids],
        )
        kept = cursor.fetchone()[0]
    assert 0 < kept < 200
    assert summary(stats(api_client, team, sampling_factor="0.5")) == [
        ("$autocapture", "Sign up", kept * 2)
    ]
    assert summary(stats(api_client, team, sampling_factor="1")) == [
        ("$autocapture", "Sign up", 200)
    ]


def test_data_attributes_and_max_depth_shape_the_elements(api_client, team):
    add_events(team, SIGNUP)
    response = stats(api_client, team, data_attributes="data-*", max_element_chain_depth="1")
    [row] = response.json()["results"]
    assert row["elements"] == SIGNUP_ELEMENTS[:1]
    response = stats(api_client, team, data_attributes="id", max_element_chain_depth="5")
    [row] = response.json()["results"]
    assert row["elements"] == [{**SIGNUP_ELEMENTS[0], "attributes": {}}, SIGNUP_ELEMENTS[1]]
    # The hash identifies the raw chain, whatever was trimmed from the response.
    assert row["hash"] == "8ddbd9b9bb235d8c"


def test_cache_headers(api_client, team):
    response = stats(api_client, team)
    assert response["Cache-Control"] == "public, max-age=30"
    assert response["Vary"] == "Accept, Accept-Encoding, Query-String"
    timings = response["Server-Timing"]
    assert "prepare_for_query;dur=" in timings
    assert "execute_query;dur=" in timings
    assert "serialize_elements;dur=" in timings


def test_outsider_gets_404(outsider_client, team):
    add_events(team, SIGNUP)
    response = stats(outsider_client, team)
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_key_without_scope_gets_403_and_read_scope_is_enough(api_client_for, owner, team):
    response = stats(api_client_for(owner, scopes=["insight:read"]), team)
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'element:read'"
    assert stats(api_client_for(owner, scopes=["element:read"]), team).status_code == 200


@pytest.mark.parametrize(
    ("prop_filter", "expected"),
    [
        ({"key": "plan", "operator": "is_set"}, ["Buy", "Sign up"]),
        ({"key": "plan", "operator": "is_not_set"}, ["Docs"]),
        ({"key": "plan", "value": "PRO", "operator": "not_icontains"}, ["Buy", "Docs"]),
        ({"key": "plan", "value": "^p", "operator": "regex"}, ["Sign up"]),
        ({"key": "plan", "value": "^p", "operator": "not_regex"}, ["Buy", "Docs"]),
        ({"key": "seats", "value": [2, 10], "operator": "between"}, ["Sign up"]),
        ({"key": "seats", "value": [2, 10], "operator": "not_between"}, ["Buy"]),
        ({"key": "seats", "value": 1, "operator": "lte"}, ["Buy"]),
        ({"key": "plan", "value": ["pro", "free"]}, ["Buy", "Sign up"]),
        ({"key": "plan", "value": ["pro", "free"], "operator": "is_not"}, ["Docs"]),
        ({"key": "trial", "value": True}, ["Buy"]),
        ({"key": "distinct_id", "value": "a", "type": "event_metadata"}, ["Sign up"]),
        (
            {"key": "text", "value": "Docs", "operator": "is_not", "type": "element"},
            ["Buy", "Sign up"],
        ),
        ({"key": "tag_name", "value": "a", "operator": "is_not", "type": "element"}, ["Buy"]),
        ({"key": "plan", "value": ["pro", "x"], "operator": "in"}, ["Sign up"]),
        ({"key": "plan", "value": ["pro"], "operator": "not_in"}, ["Buy", "Docs"]),
        ({"key": "seats", "value": 5, "operator": "min"}, ["Sign up"]),
        # As in PostHog, icontains is ILIKE '%value%': % and _ in the value are wildcards.
        ({"key": "plan", "value": "f_e", "operator": "icontains"}, ["Buy"]),
        ({"key": "since", "value": "2023-06-01", "operator": "is_date_before"}, ["Sign up"]),
        ({"key": "since", "value": "2023-06-01", "operator": "is_date_after"}, ["Buy"]),
    ],
)
def test_property_operators(api_client, team, prop_filter, expected):
    add_events(
        team, SIGNUP, distinct_id="a", properties={"plan": "pro", "seats": 5, "since": "2023-01-02"}
    )
    add_events(
        team,
        BUY,
        distinct_id="b",
        properties={"plan": "free", "seats": 1, "trial": True, "since": "2024-01-02T10:00:00Z"},
    )
    add_events(team, DOCS, distinct_id="c", properties={"seats": "many", "since": "soon"})
    response = stats(api_client, team, properties=json.dumps([prop_filter]))
    assert response.status_code == 200, response.json()
    texts = sorted(row["elements"][0]["text"].split(" ")[0] for row in response.json()["results"])
    assert texts == sorted(word.split(" ")[0] for word in expected)


def test_environments_prefix_serves_stats_and_values(api_client, team):
    add_events(team, DOCS)
    base = f"/api/environments/{team.id}/elements"
    response = api_client.get(f"{base}/stats/", JANUARY)
    assert summary(response) == [("$autocapture", "Docs", 1)]
    assert api_client.get(f"{base}/values/", {"key": "text"}).json() == [{"name": "Docs"}]


@pytest.mark.parametrize(
    ("properties", "attr"),
    [
        (json.dumps([{"key": "$browser", "value": ["Chr\x00me"]}]), "properties__0__value__0"),
        (json.dumps([{"key": "$browser", "value": 10**20}]), "properties__0__value"),
        ("[" * 5000 + "]" * 5000, "properties"),
    ],
)
def test_unstorable_or_too_deep_property_filters_are_400(api_client, team, properties, attr):
    response = stats(api_client, team, properties=properties)
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == attr


def test_chain_memo_bound_follows_the_setting_at_call_time(api_client, team, settings):
    # The memo is built when elements.views is imported; its bound must still follow a later
    # settings override (a bound read at import would keep the chain). The chain is new to this
    # process, so parsing it inserts, and a bound of 0 then evicts everything.
    import uuid

    from elements.views import PARSED_CHAINS

    settings.ELEMENT_CHAIN_MEMO_MAX_CHARS = 0
    add_events(team, f'button:nth-child="1"nth-of-type="1"text="{uuid.uuid4().hex}"', count=1)
    response = stats(api_client, team)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    assert len(PARSED_CHAINS) == 0
