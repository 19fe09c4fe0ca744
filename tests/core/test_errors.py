from __future__ import annotations

import pytest
from django.urls import path
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.decorators import permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from posthog_api.exceptions import exception_handler
from posthog_api.urls import urlpatterns as real_urlpatterns
from tests.factories import make_environment

pytestmark = pytest.mark.django_db


@api_view(["GET"])
@permission_classes([AllowAny])
def _boom(request):
    raise RuntimeError("secret internals")


class _Nested(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(child=serializers.IntegerField()))


@api_view(["POST"])
@permission_classes([AllowAny])
def _nested(request):
    raise ValidationError({"query": {"source": {"series": [{"math": ["Bad math."]}]}}})


@api_view(["POST"])
@permission_classes([AllowAny])
def _plain(request):
    raise ValidationError("Just wrong.")


urlpatterns = [
    path("test/boom/", _boom),
    path("test/nested/", _nested),
    path("test/plain/", _plain),
    *real_urlpatterns,
]


@pytest.mark.urls("tests.core.test_errors")
def test_unhandled_exception_is_a_generic_500_that_logs_a_request_id(client, caplog):
    response = client.get("/test/boom/", HTTP_X_REQUEST_ID="req-123")
    assert response.status_code == 500
    assert response.json() == {
        "type": "server_error",
        "code": "error",
        "detail": "A server error occurred.",
        "attr": None,
    }
    assert "secret internals" not in response.content.decode()
    assert response["X-Request-Id"] == "req-123"
    assert any(getattr(r, "request_id", None) == "req-123" for r in caplog.records)


@pytest.mark.urls("tests.core.test_errors")
def test_nested_validation_error_joins_the_path_into_attr(client):
    response = client.post("/test/nested/")
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Bad math.",
        "attr": "query__source__series__0__math",
    }


@pytest.mark.urls("tests.core.test_errors")
def test_plain_validation_error_has_no_attr(client):
    assert client.post("/test/plain/").json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Just wrong.",
        "attr": None,
    }


def test_malformed_json_is_a_parse_error(api_client, team):
    response = api_client.patch(
        f"/api/projects/{team.id}/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "invalid_request"
    assert body["code"] == "parse_error"


def test_too_deeply_nested_json_is_a_parse_error(api_client, team):
    body = "[" * 100_000 + "]" * 100_000
    response = api_client.post(
        f"/api/projects/{team.id}/query/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_form_body_with_too_many_fields_is_a_parse_error(api_client, team):
    body = "&".join(["insight_ids=1"] * 1001)
    response = api_client.post(
        f"/api/projects/{team.id}/insights/viewed/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_method_not_allowed_is_invalid_request(api_client, team):
    response = api_client.delete(f"/api/projects/{team.id}/")
    assert response.status_code == 405
    assert response.json()["type"] == "invalid_request"
    assert response.json()["code"] == "method_not_allowed"


def test_unknown_api_path_is_404_in_error_format(api_client):
    response = api_client.get("/api/does-not-exist/")
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Not found.",
        "attr": None,
    }


def test_handler_maps_django_http404():
    from django.http import Http404

    response = exception_handler(Http404("x"), {})
    assert response.status_code == 404
    assert response.data["type"] == "invalid_request"


def test_every_response_carries_a_request_id(api_client, team):
    assert len(api_client.get(f"/api/projects/{team.id}/")["X-Request-Id"]) == 32


def test_non_integer_limit_is_400_naming_it(api_client):
    response = api_client.get("/api/projects/", {"limit": "ten"})
    assert response.status_code == 400
    assert response.json()["attr"] == "limit"


def test_limit_over_the_maximum_is_capped(api_client, team, settings):
    make_environment(team=team)
    settings.PAGINATION_MAX_LIMIT = 1
    response = api_client.get("/api/projects/", {"limit": 5000})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert "limit=1" in body["next"]


def test_throttled_request_gets_429_with_retry_after(api_client, team, settings):
    settings.THROTTLE_BURST_RATE = "2/minute"
    assert api_client.get(f"/api/projects/{team.id}/").status_code == 200
    assert api_client.get(f"/api/projects/{team.id}/").status_code == 200
    response = api_client.get(f"/api/projects/{team.id}/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["type"] == "throttled_error"
    assert body["code"] == "throttled"


def test_throttle_counts_per_key(api_client_for, owner, team, settings):
    # Two keys of one user: the first key's second request is throttled (so throttling is on),
    # while the other key still passes (so it counts per key, not per user).
    settings.THROTTLE_BURST_RATE = "1/minute"
    first_key, second_key = api_client_for(owner), api_client_for(owner)
    assert first_key.get(f"/api/projects/{team.id}/").status_code == 200
    assert first_key.get(f"/api/projects/{team.id}/").status_code == 429
    assert second_key.get(f"/api/projects/{team.id}/").status_code == 200


def test_throttle_fails_open_when_redis_is_down(api_client, team, settings, cache_redis_down):
    settings.THROTTLE_BURST_RATE = "1/minute"
    for _ in range(3):
        assert api_client.get(f"/api/projects/{team.id}/").status_code == 200
