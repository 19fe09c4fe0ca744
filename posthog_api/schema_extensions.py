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
