"""A page of insights costs a fixed number of queries, however many rows it has."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insights.models import InsightViewed
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db


def _fill(team, owner, count):
    dashboards = [make_dashboard(team=team, user=owner) for _ in range(3)]
    for n in range(count):
        make_insight(
            team=team,
            user=owner,
            name=f"Insight {n}",
            tags=[f"t{n % 5}", "all"],
            dashboards=dashboards[: n % 4],
        )


def _queries(client, url):
    client.get(url)  # warm up: the first request also stamps the key's last_used_at
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("basic", ["", "&basic=true"])
def test_list_of_100_has_no_n_plus_one(api_client, team, owner, django_assert_num_queries, basic):
    _fill(team, owner, 5)
    url = f"/api/projects/{team.id}/insights/?limit=100{basic}"
    small = _queries(api_client, url)
    _fill(team, owner, 95)
    assert InsightViewed.objects.count() == 100
    with django_assert_num_queries(small):
        response = api_client.get(url)
    assert len(response.json()["results"]) == 100


def test_trending_and_my_last_viewed_have_no_n_plus_one(
    api_client, team, owner, django_assert_num_queries
):
    _fill(team, owner, 3)
    trending = _queries(api_client, f"/api/projects/{team.id}/insights/trending/?limit=100")
    last = _queries(api_client, f"/api/projects/{team.id}/insights/my_last_viewed/")
    _fill(team, owner, 30)
    with django_assert_num_queries(trending):
        api_client.get(f"/api/projects/{team.id}/insights/trending/?limit=100")
    with django_assert_num_queries(last):
        api_client.get(f"/api/projects/{team.id}/insights/my_last_viewed/")
