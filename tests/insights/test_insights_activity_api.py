from __future__ import annotations

import pytest

from activity.models import ActivityLog
from tests.factories import make_environment
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight
from tests.insights.factories import trends_query

pytestmark = pytest.mark.django_db


def activity(client, team, insight, **params):
    return client.get(f"/api/projects/{team.id}/insights/{insight.id}/activity/", params)


def test_create_is_logged_without_changes(api_client, team, owner):
    response = api_client.post(
        f"/api/projects/{team.id}/insights/", {"name": "Signups", "query": trends_query()}
    )
    insight_id = response.json()["id"]
    body = api_client.get(f"/api/projects/{team.id}/insights/{insight_id}/activity/").json()
    assert body["total_count"] == 1
    assert body["next"] is None
    assert body["previous"] is None
    entry = body["results"][0]
    assert entry["activity"] == "created"
    assert entry["scope"] == "Insight"
    assert entry["item_id"] == str(insight_id)
    assert entry["user"] == {"first_name": owner.first_name, "email": owner.email}
    assert entry["detail"]["changes"] is None
    assert entry["detail"]["name"] == "Signups"
    assert entry["detail"]["short_id"] == response.json()["short_id"]


def test_unnamed_insight_is_not_logged(api_client, team):
    response = api_client.post(f"/api/projects/{team.id}/insights/", {"query": trends_query()})
    assert response.status_code == 201
    assert not ActivityLog.objects.exists()


def test_update_records_field_changes(api_client, team, owner):
    insight = make_insight(team=team, user=owner, name="Old", tags=["a"])
    api_client.patch(
        f"/api/projects/{team.id}/insights/{insight.id}/",
        {"name": "New", "description": "Now described", "tags": ["a", "b"], "order": 3},
    )
    entry = activity(api_client, team, insight).json()["results"][0]
    assert entry["activity"] == "updated"
    changes = {change["field"]: change for change in entry["detail"]["changes"]}
    assert set(changes) == {"name", "description", "tags"}
    assert changes["name"] == {
        "type": "Insight",
        "action": "changed",
        "field": "name",
        "before": "Old",
        "after": "New",
    }
    assert changes["description"]["action"] == "created"
    assert changes["tags"]["before"] == ["a"]
    assert changes["tags"]["after"] == ["a", "b"]


def test_update_without_tracked_changes_writes_nothing(api_client, team, owner):
    insight = make_insight(team=team, user=owner, name="Same")
    api_client.patch(
        f"/api/projects/{team.id}/insights/{insight.id}/", {"name": "Same", "order": 4}
    )
    assert activity(api_client, team, insight).json()["total_count"] == 1


def test_query_change_is_logged(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    api_client.patch(
        f"/api/projects/{team.id}/insights/{insight.id}/", {"query": trends_query("signup")}
    )
    fields = {
        c["field"]
        for c in activity(api_client, team, insight).json()["results"][0]["detail"]["changes"]
    }
    assert fields == {"query", "query_metadata"}


def test_dashboards_change_is_a_synthetic_entry(api_client, team, owner):
    dashboard = make_dashboard(team=team, user=owner, name="Main")
    insight = make_insight(team=team, user=owner)
    api_client.patch(
        f"/api/projects/{team.id}/insights/{insight.id}/", {"dashboards": [dashboard.id]}
    )
    change = activity(api_client, team, insight).json()["results"][0]["detail"]["changes"][0]
    assert change == {
        "type": "Insight",
        "action": "changed",
        "field": "dashboards",
        "before": [],
        "after": [{"id": dashboard.id, "name": "Main"}],
    }


def test_delete_and_restore_verbs(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    api_client.patch(f"/api/projects/{team.id}/insights/{insight.id}/", {"deleted": True})
    assert activity(api_client, team, insight).status_code == 404
    api_client.patch(f"/api/projects/{team.id}/insights/{insight.id}/", {"deleted": False})
    verbs = [row["activity"] for row in activity(api_client, team, insight).json()["results"]]
    assert verbs == ["restored", "deleted", "created"]


def test_activity_pages_with_links(api_client, team, owner):
    insight = make_insight(team=team, user=owner, name="v0")
    for i in range(1, 5):
        api_client.patch(f"/api/projects/{team.id}/insights/{insight.id}/", {"name": f"v{i}"})
    first = activity(api_client, team, insight, limit=2).json()
    assert first["total_count"] == 5
    assert [r["detail"]["name"] for r in first["results"]] == ["v4", "v3"]
    assert "page=2" in first["next"]
    assert first["previous"] is None
    last = activity(api_client, team, insight, limit=2, page=3).json()
    assert [r["detail"]["name"] for r in last["results"]] == ["v0"]
    assert last["next"] is None
    assert "page=2" in last["previous"]


@pytest.mark.parametrize(
    ("param", "value"),
    [("limit", "x"), ("page", "two"), ("page", "0"), ("page", "9"), ("limit", "-1")],
)
def test_bad_page_parameters_are_400(api_client, team, owner, param, value):
    insight = make_insight(team=team, user=owner)
    response = activity(api_client, team, insight, **{param: value})
    assert response.status_code == 400
    assert response.json()["attr"] == param


def test_project_wide_insight_activity_is_per_environment(api_client, team, owner):
    staging = make_environment(team=team)
    here = make_insight(team=team, user=owner, name="Here")
    make_insight(team=staging, user=owner, name="There")
    rows = api_client.get(f"/api/projects/{team.id}/insights/activity/").json()["results"]
    assert [row["item_id"] for row in rows] == [str(here.id)]


def test_activity_needs_activity_log_scope(api_client_for, owner, team):
    insight = make_insight(team=team, user=owner)
    insight_only = api_client_for(owner, scopes=["insight:read"])
    assert activity(insight_only, team, insight).status_code == 403
    assert insight_only.get(f"/api/projects/{team.id}/insights/activity/").status_code == 403
    log_reader = api_client_for(owner, scopes=["activity_log:read"])
    assert activity(log_reader, team, insight).status_code == 200


def test_outsider_gets_404_on_activity(outsider_client, team, owner):
    insight = make_insight(team=team, user=owner)
    assert activity(outsider_client, team, insight).status_code == 404
