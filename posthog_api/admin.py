"""Admin for the core models. Staff create personal API keys here and see the value once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib import messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from posthog_api.admin_mixins import ReadOnlyAdminMixin
from posthog_api.models import Event
from posthog_api.models import EventHourlyCount
from posthog_api.models import Organization
from posthog_api.models import OrganizationMembership
from posthog_api.models import Person
from posthog_api.models import PersonalAPIKey
from posthog_api.models import PersonDistinctId
from posthog_api.models import Project
from posthog_api.models import Team
from posthog_api.models import User
from posthog_api.models.personal_api_key import ALL_SCOPES
from posthog_api.models.personal_api_key import generate_key_value
from posthog_api.models.personal_api_key import hash_key_value
from posthog_api.models.personal_api_key import mask_key_value


class MembershipInline(admin.TabularInline[OrganizationMembership, Organization]):
    model = OrganizationMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "id"]
    inlines = [MembershipInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ["id", "name", "organization", "created_at"]
    search_fields = ["name", "id"]
    list_select_related = ["organization"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["id", "name", "project", "organization", "timezone", "created_at"]
    search_fields = ["name", "id", "api_token"]
    list_select_related = ["project", "organization"]
    readonly_fields = ["api_token"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    list_filter = ["is_staff", "is_active"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Profile",
            {"fields": ("first_name", "last_name", "current_organization", "current_team")},
        ),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class PersonalAPIKeyForm(forms.ModelForm):  # type: ignore[type-arg]
    scopes = forms.MultipleChoiceField(choices=[(s, s) for s in ALL_SCOPES], required=False)

    class Meta:
        model = PersonalAPIKey
        fields = ["user", "label", "scopes", "scoped_teams", "scoped_organizations"]


@admin.register(PersonalAPIKey)
class PersonalAPIKeyAdmin(admin.ModelAdmin[PersonalAPIKey]):
    form = PersonalAPIKeyForm
    list_display = ["label", "user", "mask_value", "scopes", "created_at", "last_used_at"]
    search_fields = ["label", "user__email", "mask_value"]
    list_select_related = ["user"]
    readonly_fields = ["mask_value", "created_at", "last_used_at"]

    def save_model(
        self, request: HttpRequest, obj: PersonalAPIKey, form: Any, change: bool
    ) -> None:
        if not change:
            value = generate_key_value()
            obj.secure_value = hash_key_value(value)
            obj.mask_value = mask_key_value(value)
            messages.warning(
                request, f"Personal API key created: {value} (copy it now, it is not shown again)."
            )
        super().save_model(request, obj, form, change)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["uuid", "team", "is_identified", "created_at"]
    search_fields = ["uuid"]
    list_filter = ["is_identified"]


@admin.register(PersonDistinctId)
class PersonDistinctIdAdmin(admin.ModelAdmin[PersonDistinctId]):
    list_display = ["distinct_id", "team", "person"]
    search_fields = ["distinct_id"]
    raw_id_fields = ["person"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ["event", "distinct_id", "timestamp", "team"]
    search_fields = ["event", "distinct_id", "uuid"]
    show_full_result_count = False  # counting a large events table is slow

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EventHourlyCount)
class EventHourlyCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[EventHourlyCount]):
    """Kept exact by capture, the demo loader and triggers (migration 0002), never by hand."""

    list_display = ["team_id", "event", "hour", "shard", "count"]
    list_filter = ["event"]
    search_fields = ["event"]
    show_full_result_count = False
