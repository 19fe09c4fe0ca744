"""What every benchmark starts from: an organization, a project and its owner's API key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from posthog_api.models import Organization
from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.models import User
from posthog_api.services.organizations import membership_add
from posthog_api.services.organizations import personal_api_key_create
from posthog_api.services.organizations import project_create


@dataclass(frozen=True)
class BenchProject:
    organization: Organization
    team: Team
    user: User
    key: str


def bench_project(name: str, *, scopes: list[str]) -> BenchProject:
    """A fresh organization and project (both named ``name``) owned by a new user with a key."""
    organization = Organization.objects.create(name=name)
    team = project_create(organization=organization, name=name)
    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.com")
    membership_add(organization=organization, user=user, level=OrganizationMembership.Level.OWNER)
    _, key = personal_api_key_create(user=user, label="bench", scopes=scopes)
    return BenchProject(organization=organization, team=team, user=user, key=key)
