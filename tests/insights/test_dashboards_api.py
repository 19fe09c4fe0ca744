from __future__ import annotations

import pytest

from insights.models import Dashboard
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db


def test_create_list_retrieve(api_client, team, owner):
    created = api_client.post(
        f"/api/projects/{team.id}/dashboards/", {"name": "Main", "tags": ["Team A"]}
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "Main"
    assert body["tags"] == ["team a"]
    assert body["created_by"]["id"] == owner.id
    listed = api_client.get(f"/api/projects/{team.id}/dashboards/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert (
        api_client.get(f"/api/projects/{team.id}/dashboards/{body['id']}/").json()["name"] == "Main"
    )


def test_soft_delete_and_restore(api_client, team, owner):
    dashboard = make_dashboard(team=team, user=owner)
    insight = make_insight(team=team, user=owner, dashboards=[dashboard])
    assert (
        api_client.patch(
            f"/api/projects/{team.id}/dashboards/{dashboard.id}/", {"deleted": True}
        ).status_code
        == 200
    )
    assert api_client.get(f"/api/projects/{team.id}/dashboards/{dashboard.id}/").status_code == 404
    assert (
        api_client.get(f"/api/projects/{team.id}/insights/{insight.id}/").json()["dashboards"] == []
    )
    restored = api_client.patch(
        f"/api/projects/{team.id}/dashboards/{dashboard.id}/", {"deleted": False}
    )
    assert restored.status_code == 200
    assert api_client.get(f"/api/projects/{team.id}/insights/{insight.id}/").json()[
        "dashboards"
    ] == [dashboard.id]


def test_delete_method_is_not_allowed(api_client, team, owner):
    dashboard = make_dashboard(team=team, user=owner)
    assert (
        api_client.delete(f"/api/projects/{team.id}/dashboards/{dashboard.id}/").status_code == 405
    )
    assert Dashboard.objects.filter(pk=dashboard.pk).exists()


def test_bad_creation_mode_is_400(api_client, team):
    response = api_client.post(
        f"/api/projects/{team.id}/dashboards/", {"name": "x", "creation_mode": "weird"}
    )
    assert response.status_code == 400
    assert response.json()["attr"] == "creation_mode"


def test_scopes_and_outsiders(api_client_for, owner, team, outsider_client):
    dashboard = make_dashboard(team=team, user=owner)
    reader = api_client_for(owner, scopes=["dashboard:read"])
    assert reader.get(f"/api/projects/{team.id}/dashboards/").status_code == 200
    assert reader.post(f"/api/projects/{team.id}/dashboards/", {"name": "x"}).status_code == 403
    assert (
        api_client_for(owner, scopes=["insight:read"])
        .get(f"/api/projects/{team.id}/dashboards/")
        .status_code
        == 403
    )
    assert (
        outsider_client.get(f"/api/projects/{team.id}/dashboards/{dashboard.id}/").status_code
        == 404
    )
