from posthog_api.models.events import Event
from posthog_api.models.events import EventHourlyCount
from posthog_api.models.events import Person
from posthog_api.models.events import PersonDistinctId
from posthog_api.models.organization import Organization
from posthog_api.models.organization import OrganizationMembership
from posthog_api.models.organization import Project
from posthog_api.models.organization import Team
from posthog_api.models.personal_api_key import PersonalAPIKey
from posthog_api.models.user import User

__all__ = [
    "Event",
    "EventHourlyCount",
    "Organization",
    "OrganizationMembership",
    "Person",
    "PersonDistinctId",
    "PersonalAPIKey",
    "Project",
    "Team",
    "User",
]
