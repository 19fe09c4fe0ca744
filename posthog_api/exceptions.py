"""PostHog's error body ``{type, code, detail, attr}`` for every DRF error (drf-exceptions-hog rules).

Only the first error is reported. A 500 says ``A server error occurred.`` and the traceback is
logged with the request id, never sent to the client.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

SERVER_ERROR_DETAIL = "A server error occurred."

_TYPES: tuple[tuple[type[Exception], str], ...] = (
    (exceptions.ValidationError, "validation_error"),
    (exceptions.AuthenticationFailed, "authentication_error"),
    (exceptions.NotAuthenticated, "authentication_error"),
    (exceptions.PermissionDenied, "authentication_error"),
    (exceptions.NotFound, "invalid_request"),
    (exceptions.MethodNotAllowed, "invalid_request"),
    (exceptions.ParseError, "invalid_request"),
    (exceptions.NotAcceptable, "invalid_request"),
    (exceptions.UnsupportedMediaType, "invalid_request"),
    (exceptions.Throttled, "throttled_error"),
)


def error_type(exc: Exception) -> str:
    for cls, name in _TYPES:
        if isinstance(exc, cls):
            return name
    return "server_error"


def _first_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[Any, tuple[str, ...]]:
    """Walk nested dict/list details down to the first ErrorDetail and the key path to it."""
    if isinstance(detail, dict) and detail:
        key = next(iter(detail))
        return _first_error(detail[key], (*path, str(key)))
    if isinstance(detail, list) and detail:
        first = detail[0]
        # A list of dicts is a list-of-objects error: keep the index in the attribute path.
        if isinstance(first, dict | list):
            for index, item in enumerate(detail):
                if item:
                    return _first_error(item, (*path, str(index)))
        return _first_error(first, path)
    return detail, path


def error_body(*, type_: str, code: str, detail: str, attr: str | None) -> dict[str, Any]:
    return {"type": type_, "code": code, "detail": detail, "attr": attr}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        # E.g. a form body over DATA_UPLOAD_MAX_NUMBER_FIELDS: Django itself answers these 400.
        exc = exceptions.ParseError(str(exc))

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled exception in %s", context.get("view"), exc_info=exc)
        set_rollback()
        body = error_body(type_="server_error", code="error", detail=SERVER_ERROR_DETAIL, attr=None)
        return Response(body, status=500)

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = str(exc.auth_header)  # type: ignore[attr-defined]
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(max(1, int(wait)))

    first, path = _first_error(exc.detail)
    code = getattr(first, "code", None) or exc.default_code
    if code == "invalid":
        code = "invalid_input"
    detail = str(first) if first is not None else str(exc.default_detail)
    attr = "__".join(path) if path else None
    if exc.status_code >= 500:
        logger.error("API error %s in %s: %s", exc.status_code, context.get("view"), detail)
    set_rollback()
    body = error_body(type_=error_type(exc), code=str(code), detail=detail, attr=attr)
    return Response(body, status=exc.status_code, headers=headers)
