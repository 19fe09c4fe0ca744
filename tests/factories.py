"""factory_boy factories for the core models, shared by every app's tests."""

from __future__ import annotations

from typing import Any

import factory

from posthog_api.models import Organization
from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.models import User
from posthog_api.services.organizations import environment_create
from posthog_api.services.organizations import membership_add
from posthog_api.services.organizations import personal_api_key_create
from posthog_api.services.organizations import project_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.django.Password("password-123")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")


def make_team(
    *, organization: Organization | None = None, name: str = "Project", **fields: Any
) -> Team:
    """A project with its first environment (team); the project id equals the team id."""
    return project_create(organization=organization or OrganizationFactory(), name=name, **fields)


def make_environment(*, team: Team, name: str = "Staging", **fields: Any) -> Team:
    """A second environment in the same project as ``team``."""
    return environment_create(project=team.project, name=name, **fields)


def make_member(
    *, team: Team, level: int = OrganizationMembership.Level.MEMBER, **user_fields: Any
) -> User:
    user = UserFactory(**user_fields)
    membership_add(organization=team.organization, user=user, level=level)
    user.current_organization = team.organization
    user.current_team = team
    user.save(update_fields=["current_organization", "current_team"])
    return user


def make_key(user: User, scopes: list[str] | tuple[str, ...] = ("*",), **kwargs: Any) -> str:
    """Create a personal API key for ``user`` and return its plain value."""
    _, value = personal_api_key_create(user=user, label="test", scopes=scopes, **kwargs)
    return value
