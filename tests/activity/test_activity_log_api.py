from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from activity.models import ActivityLog
from activity.services import log_activity
from tests.factories import make_environment
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db


def log(team, user, *, scope="Insight", item_id="1", activity="created", **detail):
    return log_activity(
        organization_id=team.organization_id,
        team_id=team.id,
        user=user,
        item_id=item_id,
        scope=scope,
        activity=activity,
        detail={"name": "x", **detail},
    )


def rows(response):
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_lists_this_environments_entries_newest_first(api_client, team, owner):
    staging = make_environment(team=team)
    first = log(team, owner, item_id="1")
    second = log(team, owner, item_id="2", activity="updated", changes=[{"field": "name"}])
    log(staging, owner, item_id="3")
    body = api_client.get(f"/api/projects/{team.id}/activity_log/").json()
    assert [row["id"] for row in body["results"]] == [str(second.id), str(first.id)]
    assert body["total_count"] == 2


def test_filters_by_scope_item_user_and_dates(api_client, team, owner, teammate):
    insight_row = log(team, owner, scope="Insight", item_id="7")
    element_row = log(team, teammate, scope="Element", item_id="7")
    ActivityLog.objects.filter(pk=element_row.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    url = f"/api/projects/{team.id}/activity_log/"
    assert [r["id"] for r in rows(api_client.get(url, {"scope": "Element"}))] == [
        str(element_row.id)
    ]
    assert len(rows(api_client.get(url, {"item_id": "7"}))) == 2
    assert [r["id"] for r in rows(api_client.get(url, {"user": str(owner.uuid)}))] == [
        str(insight_row.id)
    ]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert [r["id"] for r in rows(api_client.get(url, {"date_from": since}))] == [
        str(insight_row.id)
    ]
    assert [r["id"] for r in rows(api_client.get(url, {"date_to": since}))] == [str(element_row.id)]


@pytest.mark.parametrize(
    ("param", "value"),
    [("user", "not-a-uuid"), ("date_from", "last week"), ("page", "x"), ("limit", "0")],
)
def test_bad_parameters_are_400(api_client, team, param, value):
    response = api_client.get(f"/api/projects/{team.id}/activity_log/", {param: value})
    assert response.status_code == 400
    assert response.json()["attr"] == param


def test_an_offset_postgres_does_not_accept_is_compared_in_utc(api_client, team, owner):
    row = log(team, owner, scope="Insight", item_id="7")
    url = f"/api/projects/{team.id}/activity_log/"
    response = api_client.get(url, {"date_from": "2000-01-01T00:00:00+21:07"})
    assert response.status_code == 200, response.json()
    assert [r["id"] for r in rows(response)] == [str(row.id)]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+23:00", "9999-12-31T23:59:59-23:00"])
def test_a_datetime_outside_the_utc_range_is_400(api_client, team, value):
    response = api_client.get(f"/api/projects/{team.id}/activity_log/", {"date_to": value})
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == "date_to"


def test_system_entries_show_a_system_user(api_client, team):
    log(team, None)
    entry = rows(api_client.get(f"/api/projects/{team.id}/activity_log/"))[0]
    assert entry["user"] == {"first_name": "System", "email": None, "is_system": True}


def test_insight_changes_appear_in_the_project_log(api_client, team, owner):
    insight = make_insight(team=team, user=owner, name="Logged")
    entry = rows(api_client.get(f"/api/projects/{team.id}/activity_log/", {"scope": "Insight"}))[0]
    assert entry["item_id"] == str(insight.id)
    assert entry["detail"]["name"] == "Logged"


def test_scope_and_outsiders(api_client_for, owner, team, outsider_client):
    assert (
        api_client_for(owner, scopes=["activity_log:read"])
        .get(f"/api/projects/{team.id}/activity_log/")
        .status_code
        == 200
    )
    assert (
        api_client_for(owner, scopes=["insight:read"])
        .get(f"/api/projects/{team.id}/activity_log/")
        .status_code
        == 403
    )
    assert outsider_client.get(f"/api/projects/{team.id}/activity_log/").status_code == 404


def test_log_is_read_only(api_client, team):
    assert api_client.post(f"/api/projects/{team.id}/activity_log/", {}).status_code == 405
