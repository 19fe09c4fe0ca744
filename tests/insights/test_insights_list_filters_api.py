from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import Insight
from insights.models import InsightViewed
from tests.factories import make_member
from tests.insights.factories import funnels_query
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight
from tests.insights.factories import sql_query
from tests.insights.factories import trends_query

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def listing(client, team, **params):
    return client.get(f"/api/projects/{team.id}/insights/", params)


def age(insight, **fields):
    Insight.objects_including_soft_deleted.filter(pk=insight.pk).update(**fields)


def test_default_list_is_ordered_by_order_then_id(api_client, team, owner):
    second = make_insight(team=team, user=owner, order=2)
    first = make_insight(team=team, user=owner, order=1)
    unordered = make_insight(team=team, user=owner)
    response = listing(api_client, team)
    assert ids(response) == [first.id, second.id, unordered.id]
    assert response.json()["count"] == 3


def test_basic_returns_basic_shape(api_client, team, owner):
    make_insight(team=team, user=owner)
    row = listing(api_client, team, basic="true").json()["results"][0]
    assert "result" not in row
    assert "order" not in row
    assert {"id", "short_id", "dashboards", "dashboard_tiles", "last_viewed_at"} <= set(row)
    full = listing(api_client, team).json()["results"][0]
    assert "result" in full
    assert full["result"] is None


def test_short_id_filter(api_client, team, owner):
    wanted = make_insight(team=team, user=owner)
    make_insight(team=team, user=owner)
    assert ids(listing(api_client, team, short_id=wanted.short_id)) == [wanted.id]


def test_created_by_filter(api_client, team, owner, teammate):
    mine = make_insight(team=team, user=owner)
    theirs = make_insight(team=team, user=teammate)
    assert ids(listing(api_client, team, created_by=json.dumps([teammate.id]))) == [theirs.id]
    assert sorted(ids(listing(api_client, team, created_by="[]"))) == sorted([mine.id, theirs.id])


def test_user_filter_acts_on_presence(api_client, team, owner, teammate):
    mine = make_insight(team=team, user=owner)
    make_insight(team=team, user=teammate)
    assert ids(listing(api_client, team, user="true")) == [mine.id]
    assert ids(listing(api_client, team, user="false")) == [mine.id]


def test_favorited_filter_acts_on_presence(api_client, team, owner):
    favorite = make_insight(team=team, user=owner, favorited=True)
    make_insight(team=team, user=owner)
    assert ids(listing(api_client, team, favorited="false")) == [favorite.id]


def test_saved_filter_includes_insights_on_listed_dashboards(api_client, team, owner):
    saved = make_insight(team=team, user=owner)
    unsaved_on_dashboard = make_insight(
        team=team, user=owner, saved=False, dashboards=[make_dashboard(team=team, user=owner)]
    )
    unlisted = make_dashboard(team=team, user=owner, creation_mode="unlisted")
    unsaved_unlisted = make_insight(team=team, user=owner, saved=False, dashboards=[unlisted])
    assert sorted(ids(listing(api_client, team, saved="true"))) == sorted(
        [saved.id, unsaved_on_dashboard.id]
    )
    assert sorted(ids(listing(api_client, team, saved="false"))) == sorted(
        [unsaved_on_dashboard.id, unsaved_unlisted.id]
    )


@pytest.mark.parametrize(
    ("insight_type", "expected"),
    [
        ("TRENDS", {"trends", "legacy"}),
        ("FUNNELS", {"funnels"}),
        ("SQL", {"sql"}),
        ("JSON", {"events"}),
        ("RETENTION", set()),
    ],
)
def test_insight_type_filter(api_client, team, owner, insight_type, expected):
    made = {
        "trends": make_insight(team=team, user=owner, query=trends_query()),
        "legacy": make_insight(
            team=team,
            user=owner,
            query=None,
            filters={"insight": "TRENDS", "events": [{"id": "$pageview"}]},
        ),
        "funnels": make_insight(team=team, user=owner, query=funnels_query("a", "b")),
        "sql": make_insight(team=team, user=owner, query=sql_query()),
        "events": make_insight(
            team=team, user=owner, query={"kind": "EventsQuery", "select": ["*"]}
        ),
    }
    names = {v.id: k for k, v in made.items()}
    assert {names[i] for i in ids(listing(api_client, team, insight=insight_type))} == expected


def test_unconvertible_legacy_filters_are_shown_with_filters_and_default_type(
    api_client, team, owner
):
    # "fortnight" is no interval, so these filters do not convert to a query.
    legacy = make_insight(
        team=team,
        user=owner,
        query=None,
        filters={"events": [{"id": "$pageview"}], "interval": "fortnight"},
    )
    row = api_client.get(f"/api/projects/{team.id}/insights/{legacy.id}/").json()
    assert row["filters"]["insight"] == "TRENDS"
    assert row["query"] is None


def test_date_filters_are_strict_on_last_modified_and_created(api_client, team, owner):
    old = make_insight(team=team, user=owner)
    new = make_insight(team=team, user=owner)
    now = timezone.now()
    age(old, last_modified_at=now - timedelta(days=10), created_at=now - timedelta(days=20))
    assert ids(listing(api_client, team, date_from="-5d")) == [new.id]
    assert ids(listing(api_client, team, date_to="-5d")) == [old.id]
    assert ids(listing(api_client, team, created_date_from="-15d")) == [new.id]
    assert ids(
        listing(api_client, team, created_date_to=(now - timedelta(days=15)).date().isoformat())
    ) == [old.id]


def test_last_viewed_filters_exclude_never_viewed(api_client, team, owner):
    viewed = make_insight(team=team, user=owner)
    never = make_insight(team=team, user=owner)
    InsightViewed.objects.filter(insight=never).delete()
    InsightViewed.objects.filter(insight=viewed).update(
        last_viewed_at=timezone.now() - timedelta(days=3)
    )
    assert ids(listing(api_client, team, last_viewed_date_from="-5d")) == [viewed.id]
    assert ids(listing(api_client, team, last_viewed_date_to="-1d")) == [viewed.id]
    assert ids(listing(api_client, team, last_viewed_date_from="-1d")) == []


def test_dashboards_filter_needs_every_dashboard(api_client, team, owner):
    first, second = make_dashboard(team=team, user=owner), make_dashboard(team=team, user=owner)
    both = make_insight(team=team, user=owner, dashboards=[first, second])
    only_first = make_insight(team=team, user=owner, dashboards=[first])
    assert ids(listing(api_client, team, dashboards=json.dumps([first.id, second.id]))) == [both.id]
    assert sorted(ids(listing(api_client, team, dashboards=json.dumps([first.id])))) == sorted(
        [both.id, only_first.id]
    )


def test_tags_filter_matches_any_without_duplicates(api_client, team, owner):
    both = make_insight(team=team, user=owner, tags=["a", "b"])
    only_b = make_insight(team=team, user=owner, tags=["b"])
    make_insight(team=team, user=owner, tags=["c"])
    assert sorted(ids(listing(api_client, team, tags='["a","b"]'))) == sorted([both.id, only_b.id])


def test_events_filter_uses_query_metadata(api_client, team, owner):
    funnel = make_insight(team=team, user=owner, query=funnels_query("signup", "purchase"))
    make_insight(team=team, user=owner, query=trends_query("signup"))
    assert ids(listing(api_client, team, events='["signup","purchase"]')) == [funnel.id]


def test_filters_combine_with_and(api_client, team, owner, teammate):
    target = make_insight(
        team=team, user=owner, favorited=True, tags=["kpi"], query=funnels_query("a", "b")
    )
    make_insight(team=team, user=owner, favorited=True, tags=["kpi"])
    make_insight(
        team=team, user=teammate, favorited=True, tags=["kpi"], query=funnels_query("a", "b")
    )
    response = listing(
        api_client,
        team,
        favorited="1",
        tags='["kpi"]',
        insight="FUNNELS",
        user="1",
        date_from="-1d",
    )
    assert ids(response) == [target.id]


def test_order_by_field_and_last_viewed_nulls(api_client, team, owner):
    a = make_insight(team=team, user=owner, name="a")
    b = make_insight(team=team, user=owner, name="b")
    never = make_insight(team=team, user=owner, name="c")
    InsightViewed.objects.filter(insight=never).delete()
    InsightViewed.objects.filter(insight=a).update(
        last_viewed_at=timezone.now() - timedelta(days=1)
    )
    assert ids(listing(api_client, team, order="-name")) == [never.id, b.id, a.id]
    assert ids(listing(api_client, team, order="-last_viewed_at")) == [b.id, a.id, never.id]
    assert ids(listing(api_client, team, order="last_viewed_at")) == [never.id, a.id, b.id]


def test_limit_and_offset_paginate(api_client, team, owner):
    made = [make_insight(team=team, user=owner, order=i) for i in range(5)]
    response = listing(api_client, team, limit=2, offset=2)
    assert ids(response) == [made[2].id, made[3].id]
    assert response.json()["count"] == 5
    assert "offset=4" in response.json()["next"]


def test_list_as_csv_is_one_envelope_row(api_client, team, owner):
    make_insight(team=team, user=owner, name="first")
    make_insight(team=team, user=owner, name="second")
    response = listing(api_client, team, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert len(lines) == 2
    header = lines[0].split(",")
    assert {"count", "next", "previous", "results.0.name", "results.1.name"} <= set(header)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("dashboards", "[1,"),
        ("dashboards", '{"a": 1}'),
        ("tags", "not json"),
        ("tags", "[1]"),
        ("created_by", '["x"]'),
        ("events", "{"),
        ("order", "no_such_field"),
        ("date_from", "yesterday-ish"),
        ("created_date_to", "31/12/2024"),
        ("last_viewed_date_from", "soon"),
        ("date_from", "-99999999999d"),
        ("date_from", "%s%(x)d-soon"),
        ("limit", "ten"),
        ("offset", "-1"),
        ("search", "x" * 201),
    ],
)
def test_bad_parameter_is_400_naming_it(api_client, team, owner, param, value):
    make_insight(team=team, user=owner)
    response = listing(api_client, team, **{param: value})
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == param


def test_search_over_200_characters_message(api_client, team):
    response = listing(api_client, team, search="x" * 201)
    assert response.json()["detail"] == "Search query must be 200 characters or fewer."


def test_list_is_project_wide_across_environments(api_client, team, owner):
    from tests.factories import make_environment

    staging = make_environment(team=team)
    here = make_insight(team=team, user=owner)
    there = make_insight(team=staging, user=owner)
    assert sorted(ids(api_client.get(f"/api/environments/{staging.id}/insights/"))) == sorted(
        [here.id, there.id]
    )


def test_other_projects_insights_are_not_listed(api_client, team, owner, outsider):
    make_insight(team=outsider.current_team, user=outsider)
    mine = make_insight(team=team, user=owner)
    assert ids(listing(api_client, team)) == [mine.id]


def test_teammate_sees_user_access_level_editor(api_client_for, team, owner):
    make_insight(team=team, user=owner)
    member = make_member(team=team)
    row = listing(api_client_for(member), team).json()["results"][0]
    assert row["user_access_level"] == "editor"
