"""Builders for insight-side rows, going through the services like the API does."""

from __future__ import annotations

from typing import Any

from insights.models import Dashboard
from insights.models import Insight
from insights.services import dashboard_create
from insights.services import insight_create
from posthog_api.models import Team
from posthog_api.models import User


def trends_query(event: str = "$pageview", **source: Any) -> dict[str, Any]:
    return {
        "kind": "InsightVizNode",
        "source": {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": event}],
            **source,
        },
    }


def funnels_query(*events: str) -> dict[str, Any]:
    return {
        "kind": "InsightVizNode",
        "source": {
            "kind": "FunnelsQuery",
            "series": [{"kind": "EventsNode", "event": event} for event in events],
        },
    }


def sql_query(sql: str = "select event from events limit 10") -> dict[str, Any]:
    return {"kind": "DataVisualizationNode", "source": {"kind": "HogQLQuery", "query": sql}}


def make_insight(*, team: Team, user: User, **data: Any) -> Insight:
    data.setdefault("name", "An insight")
    data.setdefault("query", trends_query())
    return insight_create(team=team, user=user, data=data)


def make_dashboard(*, team: Team, user: User, **data: Any) -> Dashboard:
    data.setdefault("name", "A dashboard")
    return dashboard_create(team=team, user=user, data=data)
