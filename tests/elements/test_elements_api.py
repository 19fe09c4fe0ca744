from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from elements.models import Element
from elements.services import element_create
from tests.factories import make_environment
from tests.factories import make_team

pytestmark = pytest.mark.django_db

BUTTON = {
    "text": "Buy now",
    "tag_name": "button",
    "attr_class": ["btn", "primary"],
    "href": None,
    "attr_id": "buy",
    "nth_child": 2,
    "nth_of_type": 1,
    "attributes": {"attr__data-attr": "buy-button"},
    "order": 0,
}


def url(team, suffix=""):
    return f"/api/projects/{team.id}/elements/{suffix}"


def test_create_returns_201_with_id_and_the_element_is_listed(api_client, team):
    created = api_client.post(url(team), BUTTON)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {"id": body["id"], **BUTTON}
    listed = api_client.get(url(team))
    assert listed.status_code == 200
    assert listed.json() == {"count": 1, "next": None, "previous": None, "results": [body]}


def test_created_element_belongs_to_the_url_team(api_client, team):
    body = api_client.post(url(team), BUTTON).json()
    element = Element.objects.select_related("group").get(pk=body["id"])
    assert element.group is not None
    assert element.group.team_id == team.id


def test_retrieve_returns_every_field(api_client, team):
    element = element_create(team=team, fields={"tag_name": "a", "href": "/docs", "order": 1})
    response = api_client.get(url(team, f"{element.id}/"))
    assert response.status_code == 200
    assert response.json() == {
        "id": element.id,
        "text": None,
        "tag_name": "a",
        "attr_class": None,
        "href": "/docs",
        "attr_id": None,
        "nth_child": None,
        "nth_of_type": None,
        "attributes": {},
        "order": 1,
    }


def test_patch_changes_only_the_given_fields(api_client, team):
    element = element_create(team=team, fields=dict(BUTTON))
    response = api_client.patch(url(team, f"{element.id}/"), {"text": "Buy later"})
    assert response.status_code == 200
    assert response.json() == {"id": element.id, **BUTTON, "text": "Buy later"}
    element.refresh_from_db()
    assert element.text == "Buy later"
    assert element.attr_id == "buy"


def test_put_replaces_the_element(api_client, team):
    element = element_create(team=team, fields=dict(BUTTON))
    response = api_client.put(url(team, f"{element.id}/"), {"tag_name": "a", "attributes": {}})
    assert response.status_code == 200
    body = response.json()
    assert body["tag_name"] == "a"
    assert body["attributes"] == {}
    assert body["text"] == "Buy now"  # fields left out of a PUT keep their value (all optional)


def test_delete_returns_204_and_removes_the_row(api_client, team):
    element = element_create(team=team, fields=dict(BUTTON))
    response = api_client.delete(url(team, f"{element.id}/"))
    assert response.status_code == 204
    assert response.content == b""
    assert not Element.objects.filter(pk=element.id).exists()
    assert api_client.get(url(team, f"{element.id}/")).status_code == 404


def test_elements_of_another_environment_are_404(api_client, team):
    staging = make_environment(team=team)
    element = element_create(team=staging, fields=dict(BUTTON))
    assert api_client.get(url(team, f"{element.id}/")).status_code == 404
    assert api_client.get(url(team)).json()["results"] == []
    assert api_client.get(url(staging, f"{element.id}/")).status_code == 200


def test_environments_prefix_serves_the_same_rows(api_client, team):
    element = element_create(team=team, fields=dict(BUTTON))
    response = api_client.get(f"/api/environments/{team.id}/elements/{element.id}/")
    assert response.status_code == 200
    assert response.json()["id"] == element.id


def test_list_pages_with_limit_and_offset(api_client, team):
    ids = [element_create(team=team, fields={"tag_name": f"t{i}"}).id for i in range(3)]
    page = api_client.get(url(team), {"limit": 2, "offset": 1}).json()
    assert page["count"] == 3
    assert [row["id"] for row in page["results"]] == ids[1:]
    assert page["previous"] is not None
    assert page["next"] is None


def test_list_filters_by_tag_name(api_client, team):
    element_create(team=team, fields={"tag_name": "a"})
    button = element_create(team=team, fields={"tag_name": "button"})
    page = api_client.get(url(team), {"tag_name": "button"}).json()
    assert [row["id"] for row in page["results"]] == [button.id]


def test_invalid_fields_are_400_and_write_nothing(api_client, team):
    response = api_client.post(url(team), {"nth_child": "second"})
    assert response.status_code == 400
    assert response.json()["attr"] == "nth_child"
    response = api_client.post(url(team), {"attributes": ["not", "an", "object"]})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "attributes must be a JSON object.",
        "attr": "attributes",
    }
    response = api_client.post(url(team), {"attr_class": ["x" * 201]})
    assert response.status_code == 400
    assert response.json()["attr"] == "attr_class__0"
    assert not Element.objects.exists()


def test_outsider_gets_404(outsider_client, team):
    element = element_create(team=team, fields=dict(BUTTON))
    for response in (
        outsider_client.get(url(team)),
        outsider_client.get(url(team, f"{element.id}/")),
        outsider_client.patch(url(team, f"{element.id}/"), {"text": "x"}),
        outsider_client.delete(url(team, f"{element.id}/")),
        outsider_client.post(url(team), BUTTON),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == "Project not found."
    assert Element.objects.get(pk=element.id).text == "Buy now"
    assert Element.objects.count() == 1


def test_read_key_cannot_write(api_client_for, owner, team):
    element = element_create(team=team, fields=dict(BUTTON))
    client = api_client_for(owner, scopes=["element:read"])
    assert client.get(url(team)).status_code == 200
    response = client.patch(url(team, f"{element.id}/"), {"text": "x"})
    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'element:write'",
        "attr": None,
    }
    assert client.delete(url(team, f"{element.id}/")).status_code == 403
    assert client.post(url(team), BUTTON).status_code == 403


def test_key_without_element_scope_gets_403(api_client_for, owner, team):
    client = api_client_for(owner, scopes=["insight:read"])
    response = client.get(url(team))
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'element:read'"


def test_write_key_may_read_and_write(api_client_for, owner, team):
    client = api_client_for(owner, scopes=["element:write"])
    assert client.post(url(team), BUTTON).status_code == 201
    assert client.get(url(team)).json()["count"] == 1


def test_key_limited_to_another_team_gets_403(api_client_for, owner, team):
    other = make_team(organization=team.organization, name="Other")
    client = api_client_for(owner, scopes=["element:read"], scoped_teams=[other.id])
    response = client.get(url(team))
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"API key does not have access to the requested project: ID {team.id}."
    )


def test_list_query_count_does_not_grow_with_rows(api_client, team):
    element_create(team=team, fields={"tag_name": "a"})
    api_client.get(url(team))  # the key's first use also records last_used_at
    with CaptureQueriesContext(connection) as one:
        assert api_client.get(url(team)).status_code == 200
    for index in range(5):
        element_create(team=team, fields={"tag_name": f"t{index}"})
    with CaptureQueriesContext(connection) as six:
        assert api_client.get(url(team)).json()["count"] == 6
    assert len(six) == len(one)
