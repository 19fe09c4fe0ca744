from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from posthog_api.models import PersonalAPIKey
from posthog_api.services.organizations import personal_api_key_create
from tests.factories import make_environment
from tests.factories import make_team

pytestmark = pytest.mark.django_db


def test_key_is_accepted_from_the_authorization_header(api_client, team):
    assert api_client.get(f"/api/projects/{team.id}/").status_code == 200


def test_key_is_accepted_from_the_query_string(owner, team):
    _, value = personal_api_key_create(user=owner, label="q", scopes=["*"])
    response = APIClient().get(f"/api/projects/{team.id}/", {"personal_api_key": value})
    assert response.status_code == 200


def test_key_is_accepted_from_the_body(owner, team):
    _, value = personal_api_key_create(user=owner, label="b", scopes=["*"])
    response = APIClient().patch(
        f"/api/projects/{team.id}/", {"personal_api_key": value, "name": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"


@pytest.mark.parametrize(
    ("where", "kwargs"),
    [
        ("query string", {"data": {"personal_api_key": "phx_wrong"}}),
        ("Authorization header", {"HTTP_AUTHORIZATION": "Bearer phx_wrong"}),
    ],
)
def test_invalid_key_names_where_it_was_found(team, where, kwargs):
    response = APIClient().get(f"/api/projects/{team.id}/", **kwargs)
    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": f"Personal API key found in request {where} is invalid.",
        "attr": None,
    }


def test_no_credentials_is_401_in_error_format(anonymous_client, team):
    response = anonymous_client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }


def test_key_of_inactive_user_is_rejected(owner, team, api_client_for):
    client = api_client_for(owner)
    owner.is_active = False
    owner.save()
    assert client.get(f"/api/projects/{team.id}/").status_code == 401


def test_key_is_stored_only_as_a_hash(owner):
    key, value = personal_api_key_create(user=owner, label="h", scopes=["*"])
    stored = PersonalAPIKey.objects.get(pk=key.pk)
    assert value not in stored.secure_value
    assert stored.secure_value.startswith("sha256$")
    assert stored.mask_value == f"{value[:4]}...{value[-4:]}"


def test_last_used_at_is_written_at_most_hourly(owner, team):
    key, value = personal_api_key_create(user=owner, label="t", scopes=["*"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    client.get(f"/api/projects/{team.id}/")
    first = PersonalAPIKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    client.get(f"/api/projects/{team.id}/")
    assert PersonalAPIKey.objects.get(pk=key.pk).last_used_at == first
    PersonalAPIKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(hours=2))
    client.get(f"/api/projects/{team.id}/")
    assert PersonalAPIKey.objects.get(pk=key.pk).last_used_at > first - timedelta(minutes=1)
    assert PersonalAPIKey.objects.get(pk=key.pk).last_used_at <= timezone.now()


def test_write_scope_implies_read(api_client_for, owner, team):
    client = api_client_for(owner, scopes=["project:write"])
    assert client.get(f"/api/projects/{team.id}/").status_code == 200


def test_read_scope_does_not_allow_writes(api_client_for, owner, team):
    client = api_client_for(owner, scopes=["project:read"])
    response = client.patch(f"/api/projects/{team.id}/", {"name": "nope"})
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'project:write'"


def test_legacy_key_without_scopes_may_do_anything(api_client_for, owner, team):
    client = api_client_for(owner, scopes=[])
    assert client.get(f"/api/projects/{team.id}/").status_code == 200


def test_key_limited_to_other_teams_gets_403(api_client_for, owner, team):
    staging = make_environment(team=team)
    client = api_client_for(owner, scopes=["*"], scoped_teams=[staging.id])
    assert client.get(f"/api/projects/{staging.id}/").status_code == 200
    response = client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"API key does not have access to the requested project: ID {team.id}."
    )


def test_teammate_sees_the_project_and_outsider_does_not(api_client_for, teammate, outsider, team):
    assert api_client_for(teammate).get(f"/api/projects/{team.id}/").status_code == 200
    assert api_client_for(outsider).get(f"/api/projects/{team.id}/").status_code == 404


def test_non_numeric_project_id_is_404(api_client):
    response = api_client.get("/api/projects/not-a-number/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_project_that_does_not_exist_is_404_like_a_foreign_one(api_client):
    missing = make_team(name="gone")
    missing_id = missing.id
    missing.project.delete()
    assert api_client.get(f"/api/projects/{missing_id}/").json()["detail"] == "Project not found."


def test_session_auth_works_for_the_browsable_api(owner, team):
    client = APIClient()
    client.force_login(owner)
    response = client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 200, response.content
