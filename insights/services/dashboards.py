"""Creating and editing dashboards (soft delete included)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from insights.models import Dashboard
from insights.services.tags import tags_set
from posthog_api.models import Team
from posthog_api.models import User

DASHBOARD_FIELDS = (
    "name",
    "description",
    "pinned",
    "deleted",
    "filters",
    "variables",
    "creation_mode",
)


@transaction.atomic
def dashboard_create(*, team: Team, user: User, data: dict[str, Any]) -> Dashboard:
    fields = {key: data[key] for key in DASHBOARD_FIELDS if key in data}
    dashboard = Dashboard.objects.create(team=team, created_by=user, **fields)
    if "tags" in data:
        tags_set(project_id=team.project_id, names=data["tags"], dashboard=dashboard)
    return dashboard


@transaction.atomic
def dashboard_update(*, dashboard: Dashboard, data: dict[str, Any]) -> Dashboard:
    """Apply the given fields; ``deleted: true`` hides it (and its tiles), ``false`` restores it."""
    for key in DASHBOARD_FIELDS:
        if key in data:
            setattr(dashboard, key, data[key])
    dashboard.last_modified_at = timezone.now()
    dashboard.save()
    if "tags" in data:
        tags_set(project_id=dashboard.team.project_id, names=data["tags"], dashboard=dashboard)
    return dashboard
