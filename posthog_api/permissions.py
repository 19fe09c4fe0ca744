"""Permission classes: API key scopes and team membership."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from posthog_api.auth import request_api_key
from posthog_api.scopes import key_has_scope
from posthog_api.scopes import required_scopes


class APIScopePermission(BasePermission):
    """Scoped personal API keys may only run actions whose scope they hold.

    Session users are not scope-checked; a legacy key with no scopes may do anything.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request_api_key(request)
        if key is None or not key.scopes:
            return True
        if hasattr(view, "action_map") and view.action is None:
            return True  # a method the ViewSet does not route: DRF answers 405 next
        needed = required_scopes(view, request.method or "GET")
        if needed is None:
            raise PermissionDenied("This action does not support Personal API Key access")
        for scope in needed:
            if not key_has_scope(key.scopes, scope):
                raise PermissionDenied(f"API key missing required scope '{scope}'")
        return True


class TeamMemberAccessPermission(BasePermission):
    """Resolves the URL's team (a 404 for a team the user cannot see) and applies key team limits."""

    def has_permission(self, request: Request, view: Any) -> bool:
        team = view.team  # raises NotFound("Project not found.") for outsiders
        check_key_team_access(request, team)
        return True


def check_key_team_access(request: Request, team: Any) -> None:
    """A key limited to some teams or organizations gets a 403 for any other."""
    key = request_api_key(request)
    if key is not None:
        scoped_teams, scoped_organizations = key.scoped_teams, key.scoped_organizations
        if scoped_teams and team.id not in scoped_teams:
            raise PermissionDenied(
                f"API key does not have access to the requested project: ID {team.id}."
            )
        if scoped_organizations and str(team.organization_id) not in scoped_organizations:
            raise PermissionDenied(
                "API key does not have access to the requested organization: "
                f"ID {team.organization_id}."
            )


class IsOrganizationAdmin(BasePermission):
    """Writes to a project need an admin or owner of its organization."""

    message = "Your organization access level is insufficient."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        membership = view.membership() if hasattr(view, "membership") else None
        return membership is not None and membership.is_admin
