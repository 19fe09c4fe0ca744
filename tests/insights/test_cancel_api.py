from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def cancel(client, team, body):
    return client.post(f"/api/environments/{team.id}/insights/cancel/", body)


def test_cancel_is_201_when_nothing_runs(api_client, team):
    response = cancel(api_client, team, {"client_query_id": "abc-123"})
    assert response.status_code == 201
    assert response.content == b""


def test_cancel_requires_client_query_id(api_client, team):
    response = cancel(api_client, team, {})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "required",
        "detail": "Field is required.",
        "attr": "client_query_id",
    }


def test_cancel_needs_insight_read_for_scoped_keys(api_client_for, owner, team):
    assert (
        cancel(
            api_client_for(owner, scopes=["insight:read"]), team, {"client_query_id": "x"}
        ).status_code
        == 201
    )
    assert (
        cancel(
            api_client_for(owner, scopes=["element:read"]), team, {"client_query_id": "x"}
        ).status_code
        == 403
    )


def test_outsider_gets_404(outsider_client, team):
    assert cancel(outsider_client, team, {"client_query_id": "x"}).status_code == 404
