from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_health_needs_no_credentials(client):
    response = client.get("/_health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_postgres_and_redis(client):
    response = client.get("/_ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "postgres": "ok", "redis": "ok"}


def test_ready_is_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/_ready")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["postgres"] == "ok"
    assert response.json()["redis"].startswith("error")


def test_swagger_ui_and_schema_are_served(client):
    assert client.get("/api/schema/swagger-ui/").status_code == 200
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/projects/" in schema.json()["paths"]


def test_environment_routes_are_marked_deprecated_in_the_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]
    environment_ops = [
        op
        for path, ops in paths.items()
        if path.startswith("/api/environments/")
        for op in ops.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert environment_ops
    assert all(op.get("deprecated") for op in environment_ops)
    assert not any(op.get("deprecated") for op in paths["/api/projects/{team_id}/"].values())
