"""Team-scoped ViewSets and the router that mounts them under both URL prefixes.

Usage::

    class InsightViewSet(TeamScopedViewSetMixin, viewsets.ModelViewSet):
        scope_object = "insight"

        def get_queryset(self):
            return insight_list(team=self.team)

    team_router.register("insights", InsightViewSet, basename="insights")

serves ``/api/projects/<id>/insights/`` (basename ``project_insights``) and
``/api/environments/<id>/insights/`` (basename ``environment_insights``). ``<id>`` is a team id or
``@current``; a team the user cannot access is a 404 ``Project not found.``, never a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING
from typing import Any

from django.db.models import F
from django.urls import URLPattern
from django.urls import URLResolver
from django.urls import include
from django.urls import path
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.permissions import APIScopePermission
from posthog_api.permissions import TeamMemberAccessPermission

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

PROJECT_NOT_FOUND = "Project not found."
# A free-form key in a URL (an insight's id or short_id, a query id): anything but a slash or a
# NUL, which no key holds and PostgreSQL refuses in a text parameter (a 500 before this).
KEY_IN_PATH = r"[^/\x00]+"


def team_for_user(user: Any, raw_id: str | None) -> Team:
    """The team a URL id names, if the user is a member of its organization; else NotFound."""
    if raw_id == "@current":
        team_id = getattr(user, "current_team_id", None)
    elif raw_id is not None and raw_id.isdigit():
        team_id = int(raw_id)
    else:
        team_id = None
    if team_id is None or not getattr(user, "is_authenticated", False):
        raise NotFound(PROJECT_NOT_FOUND)
    # The caller's membership level comes along (the filter's own join), so views need no
    # second query to know whether the caller is an admin (``caller_is_admin``).
    team = (
        Team.objects.select_related("project", "organization")
        .filter(pk=team_id, organization__memberships__user=user)
        .annotate(caller_membership_level=F("organization__memberships__level"))
        .first()
    )
    if team is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return team


class TeamScopedViewSetMixin:
    """Resolves ``self.team`` from the URL once; every queryset must filter by it."""

    permission_classes: Sequence[_PermissionClass] = [
        IsAuthenticated,
        APIScopePermission,
        TeamMemberAccessPermission,
    ]
    kwargs: dict[str, Any]
    request: Any

    @cached_property
    def team(self) -> Team:
        return team_for_user(self.request.user, self.kwargs.get("team_id"))

    @cached_property
    def project_id(self) -> int:
        return self.team.project_id

    def membership(self) -> OrganizationMembership | None:
        return OrganizationMembership.objects.filter(
            organization_id=self.team.organization_id, user=self.request.user
        ).first()

    def caller_is_admin(self) -> bool:
        """Whether the caller is an admin or owner of the team's organization (no extra query)."""
        level = getattr(self.team, "caller_membership_level", None)
        if level is None:
            membership = self.membership()
            return bool(membership and membership.is_admin)
        return bool(level >= OrganizationMembership.Level.ADMIN)


class OptionalSlashRouter(SimpleRouter):
    """A router whose routes match with or without the trailing slash, as PostHog's do."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


class TeamRouter:
    """Registers each team-scoped ViewSet under ``projects/<id>/`` and ``environments/<id>/``."""

    def __init__(self) -> None:
        self.projects = OptionalSlashRouter()
        self.environments = OptionalSlashRouter()

    def register(self, prefix: str, viewset: Any, basename: str) -> None:
        self.projects.register(prefix, viewset, basename=f"project_{basename}")
        self.environments.register(prefix, viewset, basename=f"environment_{basename}")

    @property
    def urls(self) -> list[URLPattern | URLResolver]:
        return [
            path("projects/<str:team_id>/", include(self.projects.urls)),
            path("environments/<str:team_id>/", include(self.environments.urls)),
        ]


team_router = TeamRouter()
