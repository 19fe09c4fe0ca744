"""``/api/projects/``: find and set up the ids every other endpoint takes."""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.serializers import BaseSerializer

from posthog_api.api.serializers import ProjectSerializer
from posthog_api.auth import authenticated_user
from posthog_api.auth import request_api_key
from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.permissions import APIScopePermission
from posthog_api.permissions import IsOrganizationAdmin
from posthog_api.permissions import check_key_team_access
from posthog_api.routing import KEY_IN_PATH
from posthog_api.routing import team_for_user
from posthog_api.services.organizations import project_create


def _uuids(values: list[str]) -> list[uuid.UUID]:
    """The values that are UUIDs (a malformed scope entry matches no organization)."""
    parsed = []
    for value in values:
        try:
            parsed.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return parsed


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Team],
):
    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticated, APIScopePermission, IsOrganizationAdmin]
    scope_object = "project"
    lookup_url_kwarg = "team_id"
    lookup_value_regex = KEY_IN_PATH
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Team]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Team.objects.none()
        queryset = Team.objects.filter(
            organization__memberships__user=authenticated_user(self.request)
        )
        # A key limited to some teams or organizations lists only those (as retrieve refuses
        # the others with a 403).
        key = request_api_key(self.request)
        if key is not None and key.scoped_teams:
            queryset = queryset.filter(id__in=key.scoped_teams)
        if key is not None and key.scoped_organizations:
            queryset = queryset.filter(organization_id__in=_uuids(key.scoped_organizations))
        return queryset.select_related("project").order_by("id")

    def get_object(self) -> Team:
        return self.team

    @cached_property
    def team(self) -> Team:
        team = team_for_user(self.request.user, self.kwargs.get("team_id"))
        check_key_team_access(self.request, team)
        return team

    def membership(self) -> OrganizationMembership | None:
        user = authenticated_user(self.request)
        if "team_id" in self.kwargs:
            organization_id = self.team.organization_id
        elif user.current_organization_id is not None:
            organization_id = user.current_organization_id
        else:
            return None
        return OrganizationMembership.objects.filter(
            organization_id=organization_id, user=user
        ).first()

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        user = authenticated_user(self.request)
        if user.current_organization is None:
            raise PermissionDenied("You need an organization to create a project in.")
        key = request_api_key(self.request)
        if key is not None and key.scoped_teams:
            raise PermissionDenied("API keys limited to some projects cannot create projects.")
        organization_id = str(user.current_organization.id)
        scoped_organizations = key.scoped_organizations if key is not None else None
        if scoped_organizations and organization_id not in scoped_organizations:
            raise PermissionDenied(
                f"API key does not have access to the requested organization: ID {organization_id}."
            )
        data = dict(serializer.validated_data)
        serializer.instance = project_create(
            organization=user.current_organization, name=data.pop("name"), user=user, **data
        )
