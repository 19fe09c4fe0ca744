"""Saved demo insights and a dashboard over the demo event story (``posthog_api.demo``).

``make run`` calls ``create_demo_insights`` once, so the printed curl line lists real insights with
results instead of an empty page.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from insights.models import Insight
from insights.queries.schema import validate_query
from insights.services.dashboards import dashboard_create
from insights.services.insights import insight_create
from posthog_api.models import Team
from posthog_api.models import User


def _trends(series: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    source = {"kind": "TrendsQuery", "series": series, "dateRange": {"date_from": "-30d"}, **extra}
    return {"kind": "InsightVizNode", "source": source}


DEMO_INSIGHTS: list[dict[str, Any]] = [
    {
        "name": "Daily pageviews",
        "description": "Pageviews per day over the last 30 days.",
        "query": _trends([{"kind": "EventsNode", "event": "$pageview", "math": "total"}]),
        "tags": ["demo", "traffic"],
    },
    {
        "name": "Daily active users by browser",
        "description": "Unique users with a pageview per day, split by browser.",
        "query": _trends(
            [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
            breakdownFilter={"breakdown": "$browser", "breakdown_type": "event"},
        ),
        "tags": ["demo", "users"],
    },
    {
        "name": "Signups and purchases",
        "description": "Signups and purchases per week, compared with the previous period.",
        "query": _trends(
            [
                {"kind": "EventsNode", "event": "signed_up", "math": "total"},
                {"kind": "EventsNode", "event": "purchase", "math": "total"},
            ],
            interval="week",
            compareFilter={"compare": True},
        ),
        "tags": ["demo", "revenue"],
    },
    {
        "name": "Pageview lifecycle",
        "description": "New, returning, resurrecting and dormant users by week.",
        "query": {
            "kind": "InsightVizNode",
            "source": {
                "kind": "LifecycleQuery",
                "series": [{"kind": "EventsNode", "event": "$pageview"}],
                "dateRange": {"date_from": "-30d"},
                "interval": "week",
            },
        },
        "tags": ["demo", "users"],
    },
]


@transaction.atomic
def create_demo_insights(*, team: Team, user: User) -> int:
    """Create the demo dashboard and insights unless the project already has insights."""
    if Insight.objects.filter(team__project_id=team.project_id).exists():
        return 0
    dashboard = dashboard_create(
        team=team, user=user, data={"name": "Demo overview", "description": "Demo insights."}
    )
    for spec in DEMO_INSIGHTS:
        data = {**spec, "query": validate_query(spec["query"]), "dashboards": [dashboard]}
        insight_create(team=team, user=user, data=data)
    return len(DEMO_INSIGHTS)


def on_demo_project_ready(*, team: Team, user: User, **_: Any) -> str | None:
    """Receiver of the core's ``demo_project_ready`` hook (connected in ``InsightsConfig.ready``)."""
    if made := create_demo_insights(team=team, user=user):
        return f"Created {made} demo insights on a demo dashboard."
    return None
