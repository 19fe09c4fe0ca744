from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.http import JsonResponse
from django.urls import include
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from drf_spectacular.views import SpectacularRedocView
from drf_spectacular.views import SpectacularSwaggerView

from posthog_api.api.health import health
from posthog_api.api.health import ready
from posthog_api.exceptions import SERVER_ERROR_DETAIL
from posthog_api.exceptions import error_body

urlpatterns = [
    path("_health", health, name="health"),
    path("_ready", ready, name="ready"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/schema/swagger-ui/",
        SpectacularSwaggerView.as_view(url_name="schema"),
        name="swagger-ui",
    ),
    path("api/schema/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include(("posthog_api.api_router", "api"), namespace="api")),
    path("", include("posthog_api.ingestion_urls")),
    path("", include("coalescing.urls")),
]


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    body = error_body(type_="invalid_request", code="not_found", detail="Not found.", attr=None)
    return JsonResponse(body, status=404)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    body = error_body(type_="server_error", code="error", detail=SERVER_ERROR_DETAIL, attr=None)
    return JsonResponse(body, status=500)


handler404 = not_found
handler500 = server_error
