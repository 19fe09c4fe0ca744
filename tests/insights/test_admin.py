from __future__ import annotations

import pytest

from activity.models import ActivityLog
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/insights/insight/",
        "/admin/insights/dashboard/",
        "/admin/insights/tag/",
        "/admin/insights/insightviewed/",
        "/admin/activity/activitylog/",
    ],
)
def test_admin_lists_render(admin_client, team, owner, path):
    make_insight(
        team=team, user=owner, tags=["kpi"], dashboards=[make_dashboard(team=team, user=owner)]
    )
    response = admin_client.get(path)
    assert response.status_code == 200


def test_admin_shows_soft_deleted_insights(admin_client, team, owner):
    insight = make_insight(team=team, user=owner, deleted=True)
    assert admin_client.get(f"/admin/insights/insight/{insight.id}/change/").status_code == 200


def test_activity_log_is_read_only_in_admin(admin_client, team, owner):
    make_insight(team=team, user=owner)
    entry = ActivityLog.objects.get()
    assert admin_client.get("/admin/activity/activitylog/add/").status_code == 403
    assert (
        admin_client.post(
            f"/admin/activity/activitylog/{entry.id}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert ActivityLog.objects.filter(pk=entry.pk).exists()
