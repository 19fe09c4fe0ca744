"""Every write to insights, dashboards, tags and views. Views and serializers call these."""

from insights.services.dashboards import dashboard_create
from insights.services.dashboards import dashboard_update
from insights.services.insights import insight_create
from insights.services.insights import insight_update
from insights.services.tags import tags_set
from insights.services.viewed import insights_viewed_record

__all__ = [
    "dashboard_create",
    "dashboard_update",
    "insight_create",
    "insight_update",
    "insights_viewed_record",
    "tags_set",
]
