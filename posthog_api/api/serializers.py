"""Serializers for the core resources: projects (teams) and the current user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from posthog_api.api.model_serializer import ModelSerializer
from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.models import User
from posthog_api.models.organization import validate_timezone


def _validate_timezone(value: str) -> None:
    try:
        validate_timezone(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages[0], code="invalid_timezone") from None


class TestAccountFilterSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    value = serializers.JSONField(required=False, allow_null=True)
    operator = serializers.CharField(required=False, default="exact")
    type = serializers.ChoiceField(choices=["event", "person"], default="event")


class ProjectSerializer(ModelSerializer[Team]):
    """A project as clients see it: the environment's id and settings plus its project id."""

    organization = serializers.UUIDField(source="organization_id", read_only=True)
    project_id = serializers.IntegerField(read_only=True)
    timezone = serializers.CharField(required=False, validators=[_validate_timezone])
    test_account_filters = TestAccountFilterSerializer(many=True, required=False)

    class Meta:
        model = Team
        fields = [
            "id",
            "project_id",
            "organization",
            "name",
            "created_at",
            "timezone",
            "week_start_day",
            "api_token",
            "test_account_filters",
        ]
        read_only_fields = ["id", "project_id", "organization", "created_at", "api_token"]
        extra_kwargs = {"name": {"required": True, "allow_blank": False}}


class UserTeamSerializer(ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ["id", "project_id", "name", "timezone", "api_token"]


class MembershipOrganizationSerializer(ModelSerializer[OrganizationMembership]):
    id = serializers.UUIDField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    membership_level = serializers.IntegerField(source="level")

    class Meta:
        model = OrganizationMembership
        fields = ["id", "name", "membership_level"]


class MeSerializer(ModelSerializer[User]):
    organizations = MembershipOrganizationSerializer(
        source="organization_memberships", many=True, read_only=True
    )
    # Null until the user has picked an organization / project.
    organization = serializers.UUIDField(
        source="current_organization_id", read_only=True, allow_null=True
    )
    team = UserTeamSerializer(source="current_team", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "uuid",
            "email",
            "first_name",
            "last_name",
            "distinct_id",
            "date_joined",
            "organization",
            "team",
            "organizations",
        ]
        read_only_fields = fields


class UserBasicSerializer(ModelSerializer[User]):
    """The nested user shape PostHog uses for created_by, last_modified_by and activity."""

    class Meta:
        model = User
        fields = ["id", "uuid", "distinct_id", "first_name", "last_name", "email"]
        read_only_fields = fields
