"""The project the fuzzer works in: an owner with a real personal API key and some rows of each kind,
so that lists and lookups answer real objects rather than only empty pages and 404s."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils import timezone

from elements.models import Element
from elements.models import ElementGroup
from fuzz.queries import VALID_QUERIES
from insights.services import dashboard_create
from insights.services import insight_create
from insights.services import insight_update
from insights.services import insights_viewed_record
from posthog_api.models import Event
from posthog_api.models import Organization
from posthog_api.models import OrganizationMembership
from posthog_api.models import User
from posthog_api.services.organizations import membership_add
from posthog_api.services.organizations import personal_api_key_create
from posthog_api.services.organizations import project_create


@dataclass(frozen=True)
class FuzzProject:
    team_id: int
    key: str
    insight_id: int
    dashboard_id: int
    element_id: int


def seed_project() -> FuzzProject:
    """A fresh organization (so runs never see each other's rows) with insights, a dashboard,
    views, activity, events and an element."""
    suffix = uuid.uuid4().hex[:8]
    organization = Organization.objects.create(name=f"fuzz-{suffix}")
    team = project_create(organization=organization, name=f"fuzz-{suffix}")
    user = User.objects.create_user(email=f"fuzz-{suffix}@example.com")
    membership_add(organization=organization, user=user, level=OrganizationMembership.Level.OWNER)
    _, key = personal_api_key_create(user=user, label="fuzz", scopes=["*"])
    dashboard = dashboard_create(team=team, user=user, data={"name": "Fuzz dashboard"})
    insights = [
        insight_create(
            team=team,
            user=user,
            data={"name": f"Fuzz {query.get('kind')} {i}", "query": query, "tags": ["fuzz"]},
        )
        for i, query in enumerate(VALID_QUERIES)
    ]
    insight_update(insight=insights[0], team=team, user=user, data={"dashboards": [dashboard]})
    insights_viewed_record(team=team, user=user, insight_ids=[insight.pk for insight in insights])
    now = timezone.now()
    Event.objects.bulk_create(
        Event(
            team=team,
            uuid=uuid.uuid4(),
            event=name,
            distinct_id=f"user-{i % 3}",
            properties={"$browser": "Firefox"},
            timestamp=now,
            elements_chain='a.nav:href="/pricing"nth-child="1"nth-of-type="1";div',
        )
        for i, name in enumerate(["$pageview", "$autocapture", "signup", "$pageview"])
    )
    group = ElementGroup.objects.create(team=team, hash=f"fuzz-{suffix}")
    element = Element.objects.create(group=group, tag_name="a", text="Pricing", href="/pricing")
    return FuzzProject(
        team_id=team.id,
        key=key,
        insight_id=insights[0].pk,
        dashboard_id=dashboard.pk,
        element_id=element.pk,
    )
