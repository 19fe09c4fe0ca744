"""Who may read ``/metrics``: the bearer token ``METRICS_TOKEN`` if one is set, else (by default)
only clients on the loopback interface. Everyone else gets PostHog's error body, 401 or 403."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.http import JsonResponse

from posthog_api.exceptions import error_body


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def metrics_access_denial(request: HttpRequest) -> JsonResponse | None:
    """None if this request may read the metrics, else the 401/403 to answer."""
    expected = settings.METRICS_TOKEN
    if expected:
        supplied = _bearer_token(request)
        if supplied is not None and hmac.compare_digest(supplied.encode(), expected.encode()):
            return None
        code, detail = (
            ("not_authenticated", "Authentication credentials were not provided.")
            if supplied is None
            else ("authentication_failed", "Invalid metrics token.")
        )
        response = JsonResponse(
            error_body(type_="authentication_error", code=code, detail=detail, attr=None),
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if settings.METRICS_ALLOW_LOOPBACK and is_loopback(request.META.get("REMOTE_ADDR", "")):
        return None
    detail = "Metrics are readable from loopback only; set METRICS_TOKEN to scrape them remotely."
    return JsonResponse(
        error_body(
            type_="authentication_error", code="permission_denied", detail=detail, attr=None
        ),
        status=403,
    )
