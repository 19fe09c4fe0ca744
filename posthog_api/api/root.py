"""``/api/``: the browsable root that lists the resources, and the JSON 404 for unknown API paths.

Django answers an unmatched URL with its technical 404 page when ``DEBUG`` is on (``make run``),
and that page lists every URL pattern. Unknown paths under ``/api/`` are matched by
``api_not_found`` instead, so an API client always gets the JSON error body.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from posthog_api.exceptions import error_body


class ApiRootView(APIView):
    """Links to every resource; team-scoped ones through ``@current`` (the caller's project)."""

    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    resources: dict[str, str] = {}

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {name: request.build_absolute_uri(path) for name, path in self.resources.items()}
        )


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    body = error_body(type_="invalid_request", code="not_found", detail="Not found.", attr=None)
    return JsonResponse(body, status=404)


class RedocView(SpectacularRedocView):
    """drf-spectacular's page loads Google Fonts; ours loads nothing from outside this server."""

    template_name = "posthog_api/redoc.html"
