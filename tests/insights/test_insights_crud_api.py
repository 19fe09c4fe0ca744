from __future__ import annotations

import pytest

from activity.models import ActivityLog
from insights.models import DashboardTile
from insights.models import Insight
from insights.models import InsightViewed
from insights.models import Tag
from tests.factories import make_environment
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight
from tests.insights.factories import trends_query

pytestmark = pytest.mark.django_db

FULL_FIELDS = {
    "id", "short_id", "name", "derived_name", "filters", "query", "dashboards", "dashboard_tiles",
    "description", "last_refresh", "refreshing", "saved", "tags", "updated_at", "created_by",
    "created_at", "last_modified_at", "favorited", "user_access_level", "last_viewed_at",
    "search_match_type", "order", "deleted", "last_modified_by", "is_sample",
    "effective_restriction_level", "effective_privilege_level", "alerts", "result", "hasMore",
    "columns", "types", "hogql", "cache_target_age", "next_allowed_client_refresh", "is_cached",
    "query_status", "resolved_date_range", "timezone", "filters_hash",
}  # fmt: skip


def url(team, suffix=""):
    return f"/api/projects/{team.id}/insights/{suffix}"


def test_create_returns_full_insight_with_null_results(api_client, team, owner):
    dashboard = make_dashboard(team=team, user=owner)
    response = api_client.post(
        url(team),
        {
            "name": "Weekly pageviews",
            "description": "How many pages",
            "query": trends_query(),
            "tags": ["  Growth ", "growth", "KPI"],
            "dashboards": [dashboard.id],
            "_create_in_folder": "Unfiled/Insights",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == FULL_FIELDS
    assert len(body["short_id"]) == 8
    assert body["short_id"].isalnum()
    assert body["tags"] == ["growth", "kpi"]
    assert body["dashboards"] == [dashboard.id]
    assert body["dashboard_tiles"][0]["dashboard_id"] == dashboard.id
    assert body["created_by"]["id"] == owner.id
    assert body["last_modified_by"]["id"] == owner.id
    assert body["filters"] == {}
    assert body["query"]["source"]["kind"] == "TrendsQuery"
    assert body["saved"] is True
    assert body["deleted"] is False
    assert body["timezone"] == "UTC"
    # Created with the default refresh (force_cache): nothing is computed, so no result yet.
    assert body["result"] is None
    assert body["is_cached"] in (None, False)
    insight = Insight.objects.get(pk=body["id"])
    assert insight.create_in_folder == "Unfiled/Insights"
    assert insight.query_metadata == {"events": ["$pageview"]}
    assert InsightViewed.objects.filter(insight=insight, user=owner, team=team).exists()
    assert ActivityLog.objects.get(item_id=str(insight.id)).activity == "created"


def test_retrieve_by_id_and_short_id(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    by_id = api_client.get(url(team, f"{insight.id}/"))
    by_short_id = api_client.get(url(team, f"{insight.short_id}/"))
    assert by_id.status_code == by_short_id.status_code == 200
    assert by_id.json()["id"] == by_short_id.json()["id"] == insight.id


def test_numeric_short_id_is_found_when_no_such_pk(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    Insight.objects.filter(pk=insight.pk).update(short_id="99999999")
    response = api_client.get(url(team, "99999999/"))
    assert response.status_code == 200
    assert response.json()["id"] == insight.id


def test_insights_are_project_wide_across_environments(api_client, team, owner):
    staging = make_environment(team=team)
    insight = make_insight(team=staging, user=owner)
    response = api_client.get(f"/api/environments/{team.id}/insights/{insight.id}/")
    assert response.status_code == 200
    assert response.json()["id"] == insight.id


def test_patch_updates_fields_and_bumps_last_modified_for_material_fields(
    api_client, team, owner, teammate, api_client_for
):
    insight = make_insight(team=team, user=owner)
    before = insight.last_modified_at
    client = api_client_for(teammate)
    response = client.patch(url(team, f"{insight.id}/"), {"favorited": True})
    assert response.status_code == 200
    assert response.json()["favorited"] is True
    assert response.json()["last_modified_at"] == before.isoformat().replace("+00:00", "Z")
    response = client.patch(url(team, f"{insight.id}/"), {"name": "Renamed"})
    assert response.json()["name"] == "Renamed"
    assert response.json()["last_modified_by"]["id"] == teammate.id
    assert response.json()["last_modified_at"] > before.isoformat()


def test_put_behaves_like_patch(api_client, team, owner):
    insight = make_insight(team=team, user=owner, description="kept")
    response = api_client.put(url(team, f"{insight.id}/"), {"name": "Only name"})
    assert response.status_code == 200
    assert response.json()["name"] == "Only name"
    assert response.json()["description"] == "kept"


def test_delete_is_405_with_empty_body(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    response = api_client.delete(url(team, f"{insight.id}/"))
    assert response.status_code == 405
    assert response.content == b""
    assert Insight.objects.filter(pk=insight.pk).exists()


def test_delete_without_write_scope_is_403(api_client_for, owner, team):
    insight = make_insight(team=team, user=owner)
    response = api_client_for(owner, scopes=["insight:read"]).delete(url(team, f"{insight.id}/"))
    assert response.status_code == 403


def test_soft_delete_hides_and_restore_brings_back(api_client, team, owner):
    dashboard = make_dashboard(team=team, user=owner)
    insight = make_insight(team=team, user=owner, dashboards=[dashboard])
    deleted = api_client.patch(url(team, f"{insight.id}/"), {"deleted": True})
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    assert not DashboardTile.objects.filter(insight=insight).exists()
    assert api_client.get(url(team, f"{insight.id}/")).status_code == 404
    assert api_client.get(url(team)).json()["count"] == 0
    assert api_client.patch(url(team, f"{insight.id}/"), {"name": "x"}).status_code == 404
    restored = api_client.patch(url(team, f"{insight.id}/"), {"deleted": False, "name": "Back"})
    assert restored.status_code == 200
    assert restored.json()["deleted"] is False
    assert restored.json()["name"] == "Back"
    assert api_client.get(url(team, f"{insight.id}/")).status_code == 200


def test_dashboards_are_added_and_removed_as_tiles(api_client, team, owner):
    first, second = make_dashboard(team=team, user=owner), make_dashboard(team=team, user=owner)
    insight = make_insight(team=team, user=owner, dashboards=[first])
    response = api_client.patch(url(team, f"{insight.id}/"), {"dashboards": [second.id]})
    assert response.json()["dashboards"] == [second.id]
    assert DashboardTile.objects_including_soft_deleted.get(
        insight=insight, dashboard=first
    ).deleted
    response = api_client.patch(url(team, f"{insight.id}/"), {"dashboards": [first.id, second.id]})
    assert sorted(response.json()["dashboards"]) == [first.id, second.id]


def test_dashboard_of_another_project_is_400(api_client, team, owner, outsider):
    foreign = make_dashboard(team=outsider.current_team, user=outsider)
    response = api_client.post(url(team), {"name": "x", "dashboards": [foreign.id]})
    assert response.status_code == 400
    assert response.json()["attr"] == "dashboards"
    assert not Insight.objects.exists()


def test_tags_are_replaced_and_orphans_removed(api_client, team, owner):
    insight = make_insight(team=team, user=owner, tags=["old", "kept"])
    response = api_client.patch(url(team, f"{insight.id}/"), {"tags": ["Kept", "NEW"]})
    assert response.json()["tags"] == ["kept", "new"]
    assert set(Tag.objects.values_list("name", flat=True)) == {"kept", "new"}


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"kind": "NoSuchQuery"}, "query"),
        ("not an object", "query"),
        (
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "TrendsQuery",
                    "series": [{"kind": "EventsNode", "event": "$pageview", "math": "bogus"}],
                },
            },
            "query__source__series__0__math",
        ),
        (
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "TrendsQuery",
                    "series": [{"kind": "EventsNode", "event": "$page\x00view"}],
                },
            },
            "query__source__series__0__event",
        ),
        (
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "TrendsQuery",
                    "series": [{"kind": "EventsNode", "event": "$pageview"}],
                    "breakdownFilter": {"breakdown_limit": 10**20},
                },
            },
            "query__source__breakdownFilter__breakdown_limit",
        ),
    ],
)
def test_malformed_query_is_400_naming_the_field(api_client, team, query, attr):
    response = api_client.post(url(team), {"name": "x", "query": query})
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == attr
    assert not Insight.objects.exists()


def test_name_over_400_characters_is_400(api_client, team):
    response = api_client.post(url(team), {"name": "x" * 401})
    assert response.status_code == 400
    assert response.json()["attr"] == "name"


def test_invalid_refresh_is_400(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    assert api_client.get(url(team, f"{insight.id}/?refresh=sometimes")).json()["attr"] == "refresh"
    assert api_client.get(url(team, "?refresh=sometimes")).status_code == 400
    for mode in (
        "true",
        "false",
        "blocking",
        "force_cache",
        "lazy_async",
        "async_except_on_cache_miss",
    ):
        assert api_client.get(url(team, f"{insight.id}/?refresh={mode}")).status_code == 200


def test_a_bare_refresh_computes_as_in_posthog(api_client, team, owner):
    # PostHog reads ``?refresh=`` as true (force_blocking); absent stays force_cache.
    insight = make_insight(team=team, user=owner)
    assert api_client.get(url(team, f"{insight.id}/")).json()["result"] is None
    body = api_client.get(url(team, f"{insight.id}/?refresh=")).json()
    assert (body["result"] is not None, body["is_cached"]) == (True, False)


def test_invalid_override_json_is_400(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    response = api_client.get(url(team, f"{insight.id}/?filters_override={{nope"))
    assert response.status_code == 400
    assert response.json()["attr"] == "filters_override"
    assert response.json()["detail"] == "Invalid JSON passed in filters_override parameter"


def test_from_dashboard_adds_tile_color_and_layouts(api_client, team, owner):
    dashboard = make_dashboard(team=team, user=owner)
    insight = make_insight(team=team, user=owner, dashboards=[dashboard])
    DashboardTile.objects.filter(insight=insight).update(color="blue", layouts={"sm": {"w": 6}})
    body = api_client.get(url(team, f"{insight.id}/?from_dashboard={dashboard.id}")).json()
    assert body["color"] == "blue"
    assert body["layouts"] == {"sm": {"w": 6}}
    unrelated = api_client.get(url(team, f"{insight.id}/?from_dashboard=999999")).json()
    assert "color" not in unrelated


def test_retrieve_as_csv_flattens_fields(api_client, team, owner):
    insight = make_insight(team=team, user=owner, name="CSV me")
    response = api_client.get(url(team, f"{insight.id}/?format=csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, row = response.content.decode().strip().splitlines()
    columns = header.split(",")
    assert "query.source.series.0.event" in columns
    assert columns == sorted(columns)
    assert dict(zip(columns, row.split(","), strict=False))["name"] == "CSV me"


def test_outsider_gets_404(outsider_client, team, owner):
    insight = make_insight(team=team, user=owner)
    assert outsider_client.get(url(team)).status_code == 404
    assert outsider_client.get(url(team, f"{insight.id}/")).status_code == 404
    assert outsider_client.patch(url(team, f"{insight.id}/"), {"name": "x"}).status_code == 404
    assert outsider_client.post(url(team), {"name": "x"}).status_code == 404


def test_outsider_cannot_reach_insight_through_own_project(outsider_client, outsider, team, owner):
    insight = make_insight(team=team, user=owner)
    response = outsider_client.get(
        f"/api/projects/{outsider.current_team.id}/insights/{insight.id}/"
    )
    assert response.status_code == 404


def test_read_key_cannot_create(api_client_for, owner, team):
    client = api_client_for(owner, scopes=["insight:read"])
    response = client.post(url(team), {"name": "x"})
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'insight:write'"
    assert client.get(url(team)).status_code == 200


def test_key_without_insight_scope_cannot_list(api_client_for, owner, team):
    response = api_client_for(owner, scopes=["element:read"]).get(url(team))
    assert response.status_code == 403


def test_restore_accepts_string_false(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    api_client.patch(url(team, f"{insight.id}/"), {"deleted": True})
    response = api_client.patch(url(team, f"{insight.id}/"), {"deleted": "false"})
    assert response.status_code == 200
    assert response.json()["deleted"] is False


def test_filters_must_be_an_object(api_client, team):
    response = api_client.post(url(team), {"name": "x", "filters": ["not", "an", "object"]})
    assert response.status_code == 400
    assert response.json()["attr"] == "filters"


def test_invalid_refresh_on_write_is_400_and_changes_nothing(api_client, team, owner):
    response = api_client.post(url(team) + "?refresh=sometimes", {"name": "x"})
    assert response.status_code == 400
    assert response.json()["attr"] == "refresh"
    assert not Insight.objects.exists()
    insight = make_insight(team=team, user=owner, name="before")
    response = api_client.patch(url(team, f"{insight.id}/"), {"name": "after", "refresh": "nope"})
    assert response.status_code == 400
    insight.refresh_from_db()
    assert insight.name == "before"


def test_non_object_body_is_400(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    response = api_client.patch(url(team, f"{insight.id}/"), [1, 2], format="json")
    assert response.status_code == 400


def test_current_team_alias_and_environment_prefix(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    assert (
        api_client.get(f"/api/projects/@current/insights/{insight.id}/").json()["id"] == insight.id
    )
    response = api_client.patch(
        f"/api/environments/{team.id}/insights/{insight.short_id}/", {"name": "env"}
    )
    assert response.json()["name"] == "env"


def test_out_of_range_ids_are_not_found_or_refused_never_500(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    huge = 10**30
    assert api_client.get(url(team, f"{huge}/")).status_code == 404
    # A parameter no row could match is a 400 naming it (item 7 of the hardening issue).
    response = api_client.get(url(team, f"{insight.id}/?from_dashboard={huge}"))
    assert (response.status_code, response.json()["attr"]) == (400, "from_dashboard")
    response = api_client.get(url(team, f"?dashboards=[{huge}]"))
    assert (response.status_code, response.json()["attr"]) == (400, "dashboards")
    response = api_client.post(url(team, "viewed/"), {"insight_ids": [huge]})
    assert response.status_code == 201
    assert api_client.post(url(team), {"name": "x", "dashboards": [huge]}).status_code == 400


@pytest.mark.parametrize(
    ("filters", "attr"),
    [
        ({"insight": "TRENDS", "events": [{"id": "$page\x00view"}]}, "filters__events__0__id"),
        ({"insight": "TRENDS", "breakdown_limit": 10**20}, "filters__breakdown_limit"),
    ],
)
def test_unstorable_legacy_filters_are_400(api_client, team, filters, attr):
    response = api_client.post(url(team), {"name": "x", "filters": filters})
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == attr
    assert not Insight.objects.exists()


@pytest.mark.parametrize("key", ["%00", "a%00b"])
def test_a_key_with_a_nul_character_is_404_and_changes_nothing(api_client, team, owner, key):
    insight = make_insight(team=team, user=owner)

    assert api_client.get(f"/api/projects/{team.id}/insights/{key}/").status_code == 404
    patched = api_client.patch(
        f"/api/projects/{team.id}/insights/{key}/", {"name": "x"}, format="json"
    )

    assert patched.status_code == 404
    assert patched.json()["code"] == "not_found"
    assert Insight.objects.get(pk=insight.pk).name == insight.name
