"""A page of insights costs a fixed number of queries, however many rows it has."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insights.models import InsightViewed
from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight
from tests.insights.factories import trends_query
from tests.redis_monitor import redis_commands

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


def test_a_page_of_full_insights_reads_all_cached_results_in_one_round_trip(
    api_client, team, owner, settings
):
    insights = [
        make_insight(team=team, user=owner, query=trends_query(dateRange={"date_from": f"-{n}d"}))
        for n in range(1, 6)
    ]
    for insight in insights:
        api_client.get(f"/api/projects/{team.id}/insights/{insight.pk}/", {"refresh": "blocking"})

    with redis_commands(settings.CACHES["default"]["KEY_PREFIX"]) as commands:
        response = api_client.get(f"/api/projects/{team.id}/insights/")

    assert [row["is_cached"] for row in response.json()["results"]] == [True] * 5
    result_reads = [c for c in commands if "cache_" in c and c.split()[0] in ("GET", "MGET")]
    assert len(result_reads) == 1
    assert result_reads[0].startswith("MGET")
    keys = result_reads[0].split()[1:]
    assert len(keys) == 10  # each insight's result and its job status
    assert sum(":query_status:" in key for key in keys) == 5


def test_insights_with_the_same_query_on_one_page_compute_once(api_client, team, owner):
    query = trends_query(dateRange={"date_from": "-3d"})
    first, second = (make_insight(team=team, user=owner, query=query) for _ in range(2))

    rows = api_client.get(f"/api/projects/{team.id}/insights/", {"refresh": "blocking"}).json()

    by_id = {row["id"]: row for row in rows["results"]}
    assert by_id[first.pk]["last_refresh"] == by_id[second.pk]["last_refresh"]
    assert by_id[first.pk]["result"] == by_id[second.pk]["result"]


def test_a_page_of_full_insights_still_answers_when_redis_is_down(
    api_client, team, owner, cache_redis_down
):
    make_insight(team=team, user=owner, query=trends_query(dateRange={"date_from": "-3d"}))

    response = api_client.get(f"/api/projects/{team.id}/insights/", {"refresh": "blocking"})

    assert response.status_code == 200
    assert response.json()["results"][0]["result"] is not None
