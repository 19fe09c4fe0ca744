from __future__ import annotations

import pytest

from posthog_api.models import Team
from posthog_api.services.organizations import membership_add
from tests.factories import make_environment
from tests.factories import make_member
from tests.factories import make_team

pytestmark = pytest.mark.django_db


def test_owner_retrieves_project_by_id_and_current(api_client, team):
    by_id = api_client.get(f"/api/projects/{team.id}/")
    current = api_client.get("/api/projects/@current/")
    assert by_id.status_code == 200
    assert by_id.json() == current.json()
    body = by_id.json()
    assert body["id"] == team.id
    assert body["project_id"] == team.project_id == team.id
    assert body["api_token"].startswith("phc_")
    assert body["timezone"] == "UTC"


def test_outsider_gets_404(outsider_client, team):
    response = outsider_client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Project not found.",
        "attr": None,
    }


def test_no_key_gets_401(anonymous_client, team):
    response = anonymous_client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 401
    assert response.json()["type"] == "authentication_error"


def test_bad_key_gets_401_naming_where_it_was_found(anonymous_client, team):
    anonymous_client.credentials(HTTP_AUTHORIZATION="Bearer phx_nope")
    response = anonymous_client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "Personal API key found in request Authorization header is invalid."
    )


def test_key_without_scope_gets_403(api_client_for, owner, team):
    client = api_client_for(owner, scopes=["insight:read"])
    response = client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'project:read'",
        "attr": None,
    }


def test_list_shows_every_environment_of_my_organizations(api_client, team):
    staging = make_environment(team=team)
    response = api_client.get("/api/projects/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [team.id, staging.id]


def test_key_limited_to_a_team_lists_only_that_team(api_client_for, owner, team):
    staging = make_environment(team=team)
    elsewhere = make_team(name="Other organization")
    membership_add(organization=elsewhere.organization, user=owner)
    client = api_client_for(owner, scoped_teams=[staging.id])
    response = client.get("/api/projects/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [staging.id]


def test_key_limited_to_an_organization_lists_only_its_teams(api_client_for, owner, team):
    staging = make_environment(team=team)
    elsewhere = make_team(name="Other organization")
    membership_add(organization=elsewhere.organization, user=owner)
    client = api_client_for(owner, scoped_organizations=[str(team.organization_id)])
    response = client.get("/api/projects/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [team.id, staging.id]
    assert client.get(f"/api/projects/{elsewhere.id}/").status_code == 403


def test_key_limited_to_other_organization_or_teams_cannot_create_project(
    api_client_for, owner, team
):
    elsewhere = make_team(name="Other organization")
    membership_add(organization=elsewhere.organization, user=owner)
    for limits in (
        {"scoped_organizations": [str(elsewhere.organization_id)]},
        {"scoped_teams": [team.id]},
    ):
        response = api_client_for(owner, **limits).post(
            "/api/projects/", {"name": "Sneaky"}, format="json"
        )
        assert response.status_code == 403
    assert not Team.objects.filter(name="Sneaky").exists()
    allowed = api_client_for(owner, scoped_organizations=[str(team.organization_id)])
    assert allowed.post("/api/projects/", {"name": "Fine"}, format="json").status_code == 201


def test_admin_creates_project_with_first_environment(api_client, team):
    response = api_client.post(
        "/api/projects/", {"name": "Second", "timezone": "Europe/Berlin", "week_start_day": 1}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["project_id"] == body["id"]
    assert body["timezone"] == "Europe/Berlin"


def test_invalid_timezone_is_400(api_client, team):
    response = api_client.patch(f"/api/projects/{team.id}/", {"timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert response.json()["attr"] == "timezone"
    team.refresh_from_db()
    assert team.timezone == "UTC"


def test_member_cannot_patch_project(api_client_for, team):
    member = make_member(team=team)
    response = api_client_for(member).patch(f"/api/projects/{team.id}/", {"name": "x"})
    assert response.status_code == 403


def test_me_lists_organizations_and_current_team(api_client, owner, team):
    response = api_client.get("/api/users/@me/")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == owner.email
    assert body["team"]["id"] == team.id
    assert body["organizations"] == [
        {"id": str(team.organization_id), "name": team.organization.name, "membership_level": 15}
    ]


def test_create_without_a_name_is_400(api_client, team):
    response = api_client.post("/api/projects/", {"timezone": "UTC"})
    assert response.status_code == 400
    assert response.json()["attr"] == "name"


def test_invalid_week_start_day_is_400(api_client, team):
    response = api_client.patch(f"/api/projects/{team.id}/", {"week_start_day": 5})
    assert response.status_code == 400
    assert response.json()["attr"] == "week_start_day"


def test_admin_sets_test_account_filters(api_client, team):
    filters = [
        {"key": "email", "value": "@example.com", "operator": "not_icontains", "type": "person"}
    ]
    response = api_client.patch(f"/api/projects/{team.id}/", {"test_account_filters": filters})
    assert response.status_code == 200
    assert response.json()["test_account_filters"] == filters
