"""The capture endpoints PostHog's SDKs post to: ``/batch/``, ``/capture/``, ``/e/``, ``/i/v0/e/``.

They authenticate with the project token in the payload (not a personal API key), answer
``{"status": 1}`` like PostHog, and store a batch all-or-nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from posthog_api.ingestion.parsing import find_token
from posthog_api.ingestion.parsing import parse_events
from posthog_api.ingestion.payload import decode_request
from posthog_api.ingestion.selectors import team_for_token
from posthog_api.ingestion.services import ingest_events


class MissingToken(AuthenticationFailed):
    default_detail = (
        "API key not provided. You can find your project API key in PostHog project settings."
    )
    default_code = "missing_api_key"


class InvalidToken(AuthenticationFailed):
    default_detail = (
        "Project API key invalid. You can find your project API key in PostHog project settings."
    )
    default_code = "invalid_api_key"


class CaptureView(APIView):
    # The project token in the payload is the only credential; personal keys, sessions, CSRF
    # and the API throttles do not apply to SDK traffic.
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []
    parser_classes: list[Any] = []
    schema = None  # not part of the documented REST API

    def get_authenticate_header(self, request: Request) -> str:
        # Without a WWW-Authenticate value DRF would turn our 401s into 403s.
        return 'Token realm="capture"'

    def options(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        # The browser's CORS preflight before posthog-js posts from another origin.
        return Response(status=200)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # posthog-js posts from the customer's site, so every answer (errors too) allows it.
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.headers.get("Origin")
        response["Access-Control-Allow-Origin"] = origin or "*"
        if origin:
            response["Access-Control-Allow-Credentials"] = "true"
            response["Vary"] = "Origin"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = (
            "X-Requested-With, Content-Type, Content-Encoding"
        )
        return response

    def get(self, request: Request) -> Response:
        return self.capture(request)

    def post(self, request: Request) -> Response:
        return self.capture(request)

    def capture(self, request: Request) -> Response:
        now = timezone.now()
        payload = decode_request(request._request)
        token = find_token(payload.data, payload.extra)
        if token is None:
            raise MissingToken()
        team = team_for_token(token=token)
        if team is None:
            raise InvalidToken()
        events = parse_events(payload.data, extra=payload.extra, now=now)
        ingest_events(team=team, events=events, now=now)
        return Response({"status": 1})
