"""The one-statement detail read gives what the list queryset (with its prefetches) gives."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from insights.models import DashboardTile
from insights.models import Insight
from insights.selectors import insight_get
from insights.selectors import insight_list
from insights.serializers import InsightSerializer
from insights.services import dashboard_update
from insights.services import insight_update
from insights.services import insights_viewed_record
from posthog_api.models import OrganizationMembership
from posthog_api.models import Team
from posthog_api.models import User
from tests.factories import make_environment
from tests.factories import make_member
from tests.factories import make_team
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db


def shown(insight: Insight | None, team: Team, user: User) -> dict[str, Any]:
    assert insight is not None
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    context = {"team": team, "request": request, "with_results": False}
    return dict(InsightSerializer(insight, context=context).data)


def through_list(team: Team, pk: int, *, include_deleted: bool = False) -> Insight | None:
    return insight_list(team=team, include_deleted=include_deleted).filter(pk=pk).first()


def test_detail_matches_the_list_queryset_with_tiles_tags_views_and_two_users(
    team: Team, owner: User, teammate: User
) -> None:
    kept, hidden, removed = (make_dashboard(team=team, user=owner) for _ in range(3))
    insight = make_insight(
        team=team, user=owner, tags=["zeta", "Alpha", "beta"], dashboards=[kept, hidden, removed]
    )
    insight = insight_update(insight=insight, team=team, user=teammate, data={"name": "Renamed"})
    dashboard_update(dashboard=hidden, data={"deleted": True})
    DashboardTile.objects.filter(insight=insight, dashboard=removed).update(deleted=True)
    insights_viewed_record(team=team, user=teammate, insight_ids=[insight.pk])
    insights_viewed_record(team=make_environment(team=team), user=owner, insight_ids=[insight.pk])

    detail = shown(insight_get(team=team, key=str(insight.pk)), team, owner)

    assert detail == shown(through_list(team, insight.pk), team, owner)
    assert detail["dashboards"] == [kept.pk]
    assert detail["tags"] == ["alpha", "beta", "zeta"]
    assert detail["created_by"]["email"] == owner.email
    assert detail["last_modified_by"]["uuid"] == str(teammate.uuid)
    assert detail["last_viewed_at"] is not None


def test_detail_without_users_views_tiles_or_tags(team: Team, owner: User) -> None:
    insight = make_insight(team=team, user=owner)
    Insight.objects.filter(pk=insight.pk).update(created_by=None, last_modified_by=None)

    detail = shown(insight_get(team=team, key=str(insight.pk)), team, owner)

    assert detail == shown(through_list(team, insight.pk), team, owner)
    assert (detail["created_by"], detail["last_modified_by"]) == (None, None)
    assert (detail["dashboards"], detail["tags"]) == ([], [])


def test_short_id_and_a_numeric_short_id_are_found(team: Team, owner: User) -> None:
    insight = make_insight(team=team, user=owner)
    numeric = make_insight(team=team, user=owner)
    Insight.objects.filter(pk=numeric.pk).update(short_id="99999999")

    by_short_id = insight_get(team=team, key=insight.short_id)
    by_numeric_short_id = insight_get(team=team, key="99999999")

    assert by_short_id is not None
    assert by_short_id.pk == insight.pk
    assert by_numeric_short_id is not None
    assert by_numeric_short_id.pk == numeric.pk


def test_another_projects_insight_and_a_key_past_bigint_are_none(team: Team, owner: User) -> None:
    elsewhere = make_team(name="Elsewhere")
    foreign = make_insight(team=elsewhere, user=make_member(team=elsewhere))

    assert insight_get(team=team, key=str(foreign.pk)) is None
    assert insight_get(team=team, key=foreign.short_id) is None
    assert insight_get(team=team, key="9" * 30) is None


def test_a_deleted_insight_is_seen_only_when_asked(team: Team, owner: User) -> None:
    insight = make_insight(team=team, user=owner)
    insight_update(insight=insight, team=team, user=owner, data={"deleted": True})

    assert insight_get(team=team, key=str(insight.pk)) is None
    found = insight_get(team=team, key=str(insight.pk), include_deleted=True)
    assert shown(found, team, owner) == shown(
        through_list(team, insight.pk, include_deleted=True), team, owner
    )


def test_the_detail_instance_saves_like_any_other(team: Team, owner: User) -> None:
    admin = make_member(team=team, level=OrganizationMembership.Level.ADMIN)
    insight = make_insight(team=team, user=owner, tags=["a"])
    found = insight_get(team=team, key=str(insight.pk))
    assert found is not None

    insight_update(insight=found, team=team, user=admin, data={"description": "Why it matters"})

    stored = Insight.objects.get(pk=insight.pk)
    assert (stored.description, stored.last_modified_by_id, stored.name) == (
        "Why it matters",
        admin.pk,
        insight.name,
    )
