"""``/api/`` lists the resources; every unknown URL is the JSON 404 body, also with DEBUG on."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


def test_api_root_lists_the_resources(anonymous_client):
    response = anonymous_client.get("/api/")
    assert response.status_code == 200
    body = response.json()
    assert body["projects"] == "http://testserver/api/projects/"
    assert body["insights"] == "http://testserver/api/projects/@current/insights/"
    assert {"elements", "query", "dashboards", "activity_log", "current_user"} <= set(body)


def test_api_root_links_work_for_a_key_holder(api_client, team):
    body = api_client.get("/api/").json()
    for name in ("projects", "insights", "dashboards", "activity_log", "current_user"):
        assert api_client.get(body[name]).status_code == 200, name


def test_api_root_is_browsable(anonymous_client):
    response = anonymous_client.get("/api/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"/api/projects/@current/insights/" in response.content


def test_site_root_leads_to_the_api_root(anonymous_client):
    response = anonymous_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/api/"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "url",
    [
        "/api/nonexistent/",
        "/api/projects/1/nonexistent/",
        "/api/projects/1/insights/1/nonexistent/",
        "/api/environments/1/nope",
    ],
)
def test_unknown_api_urls_are_the_json_404(api_client, team, url, debug):
    with override_settings(DEBUG=debug):
        response = api_client.get(url.replace("/1/", f"/{team.id}/", 1))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == NOT_FOUND


@override_settings(DEBUG=True)
def test_unknown_site_url_does_not_list_url_patterns(anonymous_client):
    response = anonymous_client.get("/nonexistent/")
    assert response.status_code == 404
    assert b"URLconf" not in response.content
    assert b"api/schema" not in response.content


@pytest.mark.parametrize("url", ["/api/schema/redoc/", "/api/schema/swagger-ui/"])
def test_docs_pages_load_nothing_from_outside_the_server(anonymous_client, url):
    page = anonymous_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets, "the page references its scripts"
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset), asset
    assert "googleapis" not in html
    assert "validator.swagger.io" not in html
