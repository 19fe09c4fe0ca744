"""Writes for organizations, projects, memberships and API keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db import transaction

from posthog_api.models import Organization
from posthog_api.models import OrganizationMembership
from posthog_api.models import PersonalAPIKey
from posthog_api.models import Project
from posthog_api.models import Team
from posthog_api.models import User
from posthog_api.models.personal_api_key import generate_key_value
from posthog_api.models.personal_api_key import hash_key_value
from posthog_api.models.personal_api_key import mask_key_value


@transaction.atomic
def organization_create(
    *, name: str, owner: User | None = None, level: int = OrganizationMembership.Level.OWNER
) -> Organization:
    organization = Organization.objects.create(name=name)
    if owner is not None:
        OrganizationMembership.objects.create(organization=organization, user=owner, level=level)
        if owner.current_organization_id is None:
            owner.current_organization = organization
            owner.save(update_fields=["current_organization"])
    return organization


def _next_team_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('posthog_api_team', 'id'))")
        return int(cursor.fetchone()[0])


@transaction.atomic
def project_create(
    *, organization: Organization, name: str, user: User | None = None, **team_fields: Any
) -> Team:
    """A project and its first environment; the project id equals that environment's id."""
    team_id = _next_team_id()
    project = Project.objects.create(id=team_id, organization=organization, name=name)
    team = Team(id=team_id, project=project, organization=organization, name=name, **team_fields)
    team.full_clean(exclude=["project", "organization", "api_token"])
    team.save(force_insert=True)
    if user is not None and user.current_team_id is None:
        user.current_team = team
        user.current_organization = organization
        user.save(update_fields=["current_team", "current_organization"])
    return team


@transaction.atomic
def environment_create(*, project: Project, name: str, **team_fields: Any) -> Team:
    team = Team(project=project, organization_id=project.organization_id, name=name, **team_fields)
    team.full_clean(exclude=["project", "organization", "api_token"])
    team.save()
    return team


@transaction.atomic
def membership_add(
    *, organization: Organization, user: User, level: int = OrganizationMembership.Level.MEMBER
) -> OrganizationMembership:
    membership, _ = OrganizationMembership.objects.update_or_create(
        organization=organization, user=user, defaults={"level": level}
    )
    return membership


@transaction.atomic
def personal_api_key_create(
    *,
    user: User,
    label: str,
    scopes: Sequence[str] = ("*",),
    scoped_teams: Sequence[int] | None = None,
    scoped_organizations: Sequence[str] | None = None,
    value: str | None = None,
) -> tuple[PersonalAPIKey, str]:
    """Create a key and return it with its plain value, which is never stored and shown once."""
    value = value or generate_key_value()
    key = PersonalAPIKey.objects.create(
        user=user,
        label=label,
        secure_value=hash_key_value(value),
        mask_value=mask_key_value(value),
        scopes=list(scopes),
        scoped_teams=list(scoped_teams) if scoped_teams else None,
        scoped_organizations=list(scoped_organizations) if scoped_organizations else None,
    )
    return key, value
