"""drf-spectacular extensions for the core: how personal API keys appear in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PersonalAPIKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "posthog_api.auth.PersonalAPIKeyAuthentication"
    name = "PersonalAPIKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "phx_..."}


def mark_environment_routes_deprecated(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """``/api/environments/<id>/…`` duplicates ``/api/projects/<id>/…``; PostHog marks it deprecated."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/environments/"):
            continue
        for operation in operations.values():
            if isinstance(operation, dict):
                operation["deprecated"] = True
                operation.setdefault(
                    "description", "Use the /api/projects/{project_id}/ form of this path instead."
                )
    return result


ERROR_COMPONENT = "ErrorResponse"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "PostHog's error body; ``attr`` names the offending field or parameter.",
    "properties": {
        "type": {
            "type": "string",
            "enum": [
                "validation_error",
                "authentication_error",
                "invalid_request",
                "throttled_error",
                "server_error",
            ],
        },
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "attr": {"type": "string", "nullable": True},
    },
    "required": ["type", "code", "detail", "attr"],
}
# Every API operation may answer these (a missing or bad key, a key without the scope or project,
# an unknown project, object or ``format``, too many requests); 400 where there is input to refuse.
_ALWAYS = {
    "401": "Missing or invalid credentials.",
    "403": "The key lacks the scope, or the caller the access, this needs.",
    "404": "No such project or object (or an unknown ``format``).",
    "429": "Too many requests; ``Retry-After`` says when to retry.",
}
_BAD_INPUT = ("400", "Invalid input; ``attr`` names the field or query parameter.")
_METHODS = frozenset({"get", "put", "post", "patch", "delete"})


def declare_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Declare, once for every operation, the error statuses the exception handler answers
    with PostHog's ``{type, code, detail, attr}`` body (``posthog_api/exceptions.py``)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            declared = dict(_ALWAYS)
            takes_input = "requestBody" in operation or any(
                parameter.get("in") == "query" for parameter in operation.get("parameters", [])
            )
            if takes_input:
                declared[_BAD_INPUT[0]] = _BAD_INPUT[1]
            responses = operation.setdefault("responses", {})
            for status, description in declared.items():
                responses.setdefault(status, {"description": description, "content": content})
            operation["responses"] = dict(sorted(responses.items()))
    return result
