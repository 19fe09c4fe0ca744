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


def test_create_with_deleted_true_returns_the_hidden_dashboard(api_client, team):
    created = api_client.post(
        f"/api/projects/{team.id}/dashboards/", {"name": "Gone", "deleted": True}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["deleted"] is True
    dashboard_id = created.json()["id"]
    assert api_client.get(f"/api/projects/{team.id}/dashboards/{dashboard_id}/").status_code == 404
    assert api_client.get(f"/api/projects/{team.id}/dashboards/").json()["results"] == []


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"filters": {"date_from": "-7\x00d"}}, "filters__date_from"),
        ({"variables": {"v": {"value": 10**20}}}, "variables__v__value"),
        # jsonb hands a float this large back as an integer that cannot be rendered.
        ({"filters": {"n": 1e20}}, "filters__n"),
    ],
)
def test_unstorable_json_values_are_400_and_change_nothing(api_client, team, owner, body, attr):
    created = api_client.post(f"/api/projects/{team.id}/dashboards/", {"name": "x", **body})
    assert created.status_code == 400, created.json()
    assert created.json()["attr"] == attr
    assert not Dashboard.objects.exists()
    dashboard = make_dashboard(team=team, user=owner)
    patched = api_client.patch(f"/api/projects/{team.id}/dashboards/{dashboard.id}/", body)
    assert patched.status_code == 400, patched.json()
    assert patched.json()["attr"] == attr
    dashboard.refresh_from_db()
    assert dashboard.filters == {}
    assert dashboard.variables == {}


def test_a_lone_surrogate_in_filters_is_400(api_client, team):
    response = api_client.post(
        f"/api/projects/{team.id}/dashboards/",
        '{"name": "x", "filters": {"a": "\\ud800"}}',
        content_type="application/json",
    )
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["attr"]) == (
        "surrogate_characters_not_allowed",
        "filters__a",
    )
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize("deleted", [{"a": 1}, ["x"]])
def test_a_non_boolean_deleted_is_400(api_client, team, owner, deleted):
    dashboard = make_dashboard(team=team, user=owner)
    response = api_client.patch(
        f"/api/projects/{team.id}/dashboards/{dashboard.id}/", {"deleted": deleted}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == "deleted"
    dashboard.refresh_from_db()
    assert dashboard.deleted is False
