from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import InsightViewed
from tests.factories import make_environment
from tests.factories import make_member
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db


def viewed(client, team, ids):
    return client.post(f"/api/environments/{team.id}/insights/viewed/", {"insight_ids": ids})


def test_viewed_records_per_environment_and_drops_foreign_or_deleted(
    api_client, team, owner, outsider
):
    staging = make_environment(team=team)
    mine = make_insight(team=team, user=owner)
    deleted = make_insight(team=team, user=owner, deleted=True)
    foreign = make_insight(team=outsider.current_team, user=outsider)
    response = viewed(api_client, staging, [mine.id, deleted.id, foreign.id, 987654321])
    assert response.status_code == 201
    assert response.content == b""
    rows = InsightViewed.objects.filter(team=staging, user=owner)
    assert list(rows.values_list("insight_id", flat=True)) == [mine.id]


def test_viewed_again_updates_the_same_row(api_client, team, owner):
    insight = make_insight(team=team, user=owner)
    InsightViewed.objects.update(last_viewed_at=timezone.now() - timedelta(days=2))
    viewed(api_client, team, [insight.id])
    rows = InsightViewed.objects.filter(team=team, user=owner, insight=insight)
    assert rows.count() == 1
    assert rows.get().last_viewed_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.parametrize(
    "body", [{}, {"insight_ids": []}, {"insight_ids": ["a"]}, {"insight_ids": list(range(1, 2502))}]
)
def test_viewed_rejects_bad_ids(api_client, team, body):
    response = api_client.post(f"/api/projects/{team.id}/insights/viewed/", body)
    assert response.status_code == 400
    assert response.json()["attr"] == "insight_ids"


def test_viewed_with_read_scope_only(api_client_for, owner, team):
    insight = make_insight(team=team, user=owner)
    assert (
        viewed(api_client_for(owner, scopes=["insight:read"]), team, [insight.id]).status_code
        == 201
    )
    assert (
        viewed(api_client_for(owner, scopes=["element:read"]), team, [insight.id]).status_code
        == 403
    )


def test_my_last_viewed_is_mine_in_this_environment_newest_first(
    api_client, team, owner, teammate, api_client_for
):
    staging = make_environment(team=team)
    insights = [make_insight(team=team, user=teammate, name=f"i{n}") for n in range(7)]
    for insight in insights:
        viewed(api_client, team, [insight.id])
    InsightViewed.objects.filter(user=owner, team=team, insight=insights[0]).update(
        last_viewed_at=timezone.now() + timedelta(minutes=1)
    )
    viewed(api_client, staging, [insights[6].id])
    insights[1].deleted = True
    insights[1].save()
    body = api_client.get(f"/api/environments/{team.id}/insights/my_last_viewed/").json()
    assert isinstance(body, list)
    assert [row["name"] for row in body] == ["i0", "i6", "i5", "i4", "i3"]
    own_view = InsightViewed.objects.get(user=owner, team=team, insight=insights[0]).last_viewed_at
    assert body[0]["last_viewed_at"] == own_view.isoformat().replace("+00:00", "Z")
    in_staging = api_client.get(f"/api/environments/{staging.id}/insights/my_last_viewed/").json()
    assert [row["name"] for row in in_staging] == ["i6"]
    assert (
        api_client_for(teammate)
        .get(f"/api/environments/{staging.id}/insights/my_last_viewed/")
        .json()
        == []
    )


def test_my_last_viewed_needs_insight_read(api_client_for, owner, team):
    assert (
        api_client_for(owner, scopes=["insight:read"])
        .get(f"/api/projects/{team.id}/insights/my_last_viewed/")
        .status_code
        == 200
    )
    assert (
        api_client_for(owner, scopes=["element:read"])
        .get(f"/api/projects/{team.id}/insights/my_last_viewed/")
        .status_code
        == 403
    )


def test_trending_ranks_by_views_in_window_with_recent_viewers(api_client, team, owner):
    staging = make_environment(team=team)
    popular = make_insight(team=team, user=owner, name="popular")
    quiet = make_insight(team=team, user=owner, name="quiet")
    stale = make_insight(team=team, user=owner, name="stale")
    InsightViewed.objects.all().delete()
    now = timezone.now()
    viewers = [make_member(team=team) for _ in range(4)]
    for offset, viewer in enumerate(viewers):
        InsightViewed.objects.create(
            team=team, user=viewer, insight=popular, last_viewed_at=now - timedelta(hours=offset)
        )
    InsightViewed.objects.create(team=staging, user=owner, insight=popular, last_viewed_at=now)
    InsightViewed.objects.create(
        team=team, user=owner, insight=quiet, last_viewed_at=now - timedelta(days=1)
    )
    InsightViewed.objects.create(
        team=team, user=owner, insight=stale, last_viewed_at=now - timedelta(days=30)
    )
    body = api_client.get(f"/api/projects/{team.id}/insights/trending/").json()
    assert body["count"] == 2
    assert body["next"] is None
    assert body["previous"] is None
    assert [row["name"] for row in body["results"]] == ["popular", "quiet"]
    top = body["results"][0]
    assert top["view_count"] == 5
    assert [viewer["id"] for viewer in top["viewers"]] == [v.id for v in viewers[:3]]
    assert top["last_modified_by"]["id"] == owner.id
    staging_view = api_client.get(f"/api/environments/{staging.id}/insights/trending/").json()[
        "results"
    ][0]
    assert [viewer["id"] for viewer in staging_view["viewers"]] == [owner.id]
    longer = api_client.get(
        f"/api/projects/{team.id}/insights/trending/", {"days": 60, "limit": 1}
    ).json()
    assert [row["name"] for row in longer["results"]] == ["popular"]
    assert (
        api_client.get(f"/api/projects/{team.id}/insights/trending/", {"days": -1}).json()[
            "results"
        ]
        == []
    )


@pytest.mark.parametrize(
    ("param", "value"),
    [("days", "week"), ("days", "99999999999"), ("limit", "many"), ("limit", "0")],
)
def test_trending_bad_parameters_are_400(api_client, team, param, value):
    response = api_client.get(f"/api/projects/{team.id}/insights/trending/", {param: value})
    assert response.status_code == 400
    assert response.json()["attr"] == param


def test_trending_limit_is_capped_at_100(api_client, team, owner):
    for n in range(101):
        make_insight(team=team, user=owner, name=f"i{n}")
    body = api_client.get(f"/api/projects/{team.id}/insights/trending/", {"limit": 500}).json()
    assert body["count"] == 100


def test_view_endpoints_hide_from_outsiders(outsider_client, team, owner):
    insight = make_insight(team=team, user=owner)
    assert viewed(outsider_client, team, [insight.id]).status_code == 404
    assert outsider_client.get(f"/api/projects/{team.id}/insights/trending/").status_code == 404
    assert (
        outsider_client.get(f"/api/projects/{team.id}/insights/my_last_viewed/").status_code == 404
    )
