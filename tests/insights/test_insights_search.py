from __future__ import annotations

import pytest
from django.db import connection

from insights.trigrams import similarity
from insights.trigrams import word_similarity
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db

MODES = ["trigram", "python"]


@pytest.fixture(params=MODES)
def search_mode(request, settings):
    if request.param == "trigram":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            if cursor.fetchone() is None:
                pytest.skip("this PostgreSQL has no pg_trgm")
    settings.INSIGHT_SEARCH_MODE = request.param
    return request.param


def search(client, team, term):
    response = client.get(f"/api/projects/{team.id}/insights/", {"search": term})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_exact_tier_hides_similar_matches(api_client, team, owner, search_mode):
    exact = make_insight(team=team, user=owner, name="Weekly pageviews")
    by_description = make_insight(
        team=team, user=owner, name="Other", description="all the PAGEVIEWS"
    )
    by_tag = make_insight(team=team, user=owner, name="Tagged", tags=["pageviews-kpi"])
    make_insight(team=team, user=owner, name="Pagevews typo")
    rows = search(api_client, team, "pageviews")
    assert {row["id"] for row in rows} == {exact.id, by_description.id, by_tag.id}
    assert {row["search_match_type"] for row in rows} == {"exact"}
    assert rows[0]["id"] == exact.id


def test_similar_tier_when_nothing_exact(api_client, team, owner, search_mode):
    close = make_insight(team=team, user=owner, name="Pageviews by browser")
    derived = make_insight(team=team, user=owner, name=None, derived_name="Pageview count")
    make_insight(team=team, user=owner, name="Revenue per user")
    rows = search(api_client, team, "pagevews")
    assert [row["id"] for row in rows] == [close.id, derived.id]
    assert {row["search_match_type"] for row in rows} == {"similar"}


def test_search_whitespace_and_nul_are_stripped(api_client, team, owner, search_mode):
    wanted = make_insight(team=team, user=owner, name="Signups")
    rows = search(api_client, team, "  sign\x00ups  ")
    assert [row["id"] for row in rows] == [wanted.id]


def test_search_ignores_other_projects(api_client, team, owner, outsider, search_mode):
    make_insight(team=outsider.current_team, user=outsider, name="Signups")
    assert search(api_client, team, "signups") == []


def test_search_combines_with_filters(api_client, team, owner, search_mode):
    favorite = make_insight(team=team, user=owner, name="Signups", favorited=True)
    make_insight(team=team, user=owner, name="Signups too")
    response = api_client.get(
        f"/api/projects/{team.id}/insights/", {"search": "signups", "favorited": "1"}
    )
    assert [row["id"] for row in response.json()["results"]] == [favorite.id]


def test_both_modes_give_same_order(api_client, team, owner, settings):
    for name in (
        "Daily active users",
        "Active users by country",
        "Weekly actives",
        "Churned users",
    ):
        make_insight(team=team, user=owner, name=name)
    orders = {}
    for mode in MODES:
        settings.INSIGHT_SEARCH_MODE = mode
        for term in ("active users", "actve"):
            orders[(mode, term)] = [row["id"] for row in search(api_client, team, term)]
    for term in ("active users", "actve"):
        assert orders[("trigram", term)] == orders[("python", term)]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("word", "two words"),
        ("pagevew", "Weekly pageviews by browser"),
        ("signup funnel", "Signup conversion funnel"),
        ("revnue", "Revenue per user (USD)"),
        ("dau", "Daily active users (DAU)"),
        ("x", ""),
    ],
)
def test_python_trigrams_match_pg_trgm(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("this PostgreSQL has no pg_trgm")
        cursor.execute("SELECT word_similarity(%s, %s), similarity(%s, %s)", [a, b, a, b])
        word, full = cursor.fetchone()
    assert word_similarity(a, b) == pytest.approx(word, abs=1e-6)
    assert similarity(a, b) == pytest.approx(full, abs=1e-6)
