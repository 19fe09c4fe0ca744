"""Organizations, their projects and environments (teams)."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from posthog_api.models.base import CreatedAtModel
from posthog_api.models.base import random_token


class Organization(CreatedAtModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=64)
    # An organization can switch personal API keys off for its non-admin members.
    members_can_use_personal_api_keys = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class OrganizationMembership(CreatedAtModel):
    class Level(models.IntegerChoices):
        MEMBER = 1, "member"
        ADMIN = 8, "administrator"
        OWNER = 15, "owner"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_memberships"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="unique_organization_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} ({self.get_level_display()})"

    @property
    def is_admin(self) -> bool:
        return self.level >= self.Level.ADMIN


class Project(CreatedAtModel):
    """A product. Its id equals the id of its first environment (team), as in PostHog."""

    id = models.BigIntegerField(primary_key=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f'"{value}" is not a valid IANA timezone.', code="invalid_timezone")


def generate_project_api_token() -> str:
    return "phc_" + random_token(43)


class Team(CreatedAtModel):
    """An environment of a project: events, persons and query results belong to it."""

    class WeekStartDay(models.IntegerChoices):
        SUNDAY = 0, "Sunday"
        MONDAY = 1, "Monday"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="teams")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200, default="Default environment")
    timezone = models.CharField(max_length=240, default="UTC", validators=[validate_timezone])
    week_start_day = models.PositiveSmallIntegerField(
        choices=WeekStartDay.choices, null=True, blank=True
    )
    api_token = models.CharField(max_length=200, unique=True, default=generate_project_api_token)
    test_account_filters: models.JSONField[Any] = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"
