from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from insights import search as search_module
from insights.checks import search_mode_is_servable
from insights.search import database_has_pg_trgm
from insights.trigrams import similarity
from insights.trigrams import word_similarity
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db

MODES = ["trigram", "python"]


def skip_without_pg_trgm() -> None:
    if not database_has_pg_trgm(connection):
        pytest.skip("this PostgreSQL has no pg_trgm (the embedded one does not ship it)")


@pytest.fixture(autouse=True)
def _fresh_extension_memo() -> Iterator[None]:
    search_module._trigram_available.clear()
    yield
    search_module._trigram_available.clear()


@pytest.fixture
def without_pg_trgm() -> None:
    """This test's database without pg_trgm: DDL is transactional, so the drop is rolled back."""
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION IF EXISTS pg_trgm")


@pytest.fixture(params=MODES)
def search_mode(request, settings):
    if request.param == "trigram":
        skip_without_pg_trgm()
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
    skip_without_pg_trgm()
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
    skip_without_pg_trgm()
    with connection.cursor() as cursor:
        cursor.execute("SELECT word_similarity(%s, %s), similarity(%s, %s)", [a, b, a, b])
        word, full = cursor.fetchone()
    assert word_similarity(a, b) == pytest.approx(word, abs=1e-6)
    assert similarity(a, b) == pytest.approx(full, abs=1e-6)


def test_forced_trigram_mode_without_the_extension_searches_in_python_and_logs_it(
    api_client, team, owner, settings, without_pg_trgm, caplog
):
    settings.INSIGHT_SEARCH_MODE = "trigram"
    wanted = make_insight(team=team, user=owner, name="Pageviews by browser")
    make_insight(team=team, user=owner, name="Revenue per user")
    with caplog.at_level(logging.WARNING, logger="insights.search"):
        rows = search(api_client, team, "pagevews")
        again = search(api_client, team, "pagevews")
    assert [row["id"] for row in rows] == [wanted.id] == [row["id"] for row in again]
    warnings = [r.getMessage() for r in caplog.records if "INSIGHT_SEARCH_MODE" in r.getMessage()]
    assert len(warnings) == 1  # once per database, not once per search


def test_migrate_check_refuses_forced_trigram_mode_without_the_extension(settings, without_pg_trgm):
    settings.INSIGHT_SEARCH_MODE = "trigram"
    (error,) = search_mode_is_servable(databases=["default"])
    assert error.id == "insights.E001"
    assert "INSIGHT_SEARCH_MODE" in error.msg
    with pytest.raises(SystemCheckError, match="INSIGHT_SEARCH_MODE"):
        call_command("check", "--database", "default")


@pytest.mark.parametrize("mode", ["auto", "python"])
def test_migrate_check_accepts_other_modes_without_the_extension(settings, without_pg_trgm, mode):
    settings.INSIGHT_SEARCH_MODE = mode
    assert search_mode_is_servable(databases=["default"]) == []
