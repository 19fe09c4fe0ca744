from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.http import JsonResponse
from django.urls import include
from django.urls import path
from django.urls import re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from drf_spectacular.views import SpectacularSwaggerView

from posthog_api.api.health import health
from posthog_api.api.health import ready
from posthog_api.api.root import ApiRootView
from posthog_api.api.root import RedocView
from posthog_api.api.root import api_not_found
from posthog_api.api_router import API_RESOURCES
from posthog_api.exceptions import SERVER_ERROR_DETAIL
from posthog_api.exceptions import error_body

urlpatterns = [
    path("_health", health, name="health"),
    path("_ready", ready, name="ready"),
    path("admin/", admin.site.urls),
    # Optional trailing slashes, as on every API route (the /api/ catch-all below ends the search
    # before Django's APPEND_SLASH redirect could).
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(
        r"^api/schema/swagger-ui/?$",
        SpectacularSwaggerView.as_view(url_name="schema"),
        name="swagger-ui",
    ),
    re_path(r"^api/schema/redoc/?$", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", ApiRootView.as_view(resources=API_RESOURCES), name="api-root"),
    path("api/", include(("posthog_api.api_router", "api"), namespace="api")),
    path("", RedirectView.as_view(pattern_name="api-root"), name="root"),
    path("", include("posthog_api.ingestion_urls")),
    path("", include("coalescing.urls")),
    # Any other URL is the JSON 404, also with DEBUG on (whose HTML 404 lists every URL pattern).
    # The admin keeps Django's own handling (its login redirects and APPEND_SLASH).
    re_path(r"^(?!admin(?:/|$))", api_not_found),
]


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    body = error_body(type_="server_error", code="error", detail=SERVER_ERROR_DETAIL, attr=None)
    return JsonResponse(body, status=500)


handler404 = api_not_found
handler500 = server_error
