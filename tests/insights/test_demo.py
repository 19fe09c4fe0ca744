from __future__ import annotations

import pytest
from django.core.management import call_command

from insights.models import Dashboard
from insights.models import Insight
from posthog_api.models import Event

pytestmark = pytest.mark.django_db


def test_ensure_demo_creates_everything_once_and_prints_a_working_key(tmp_path, settings, capsys):
    settings.DEMO_API_KEY_FILE = tmp_path / "key"
    call_command("ensure_demo", "--events", "300", "--seed", "3")
    first = capsys.readouterr().out
    call_command("ensure_demo", "--events", "300", "--seed", "3")
    second = capsys.readouterr().out

    key = (tmp_path / "key").read_text().strip()
    assert f"Personal API key: {key}" in first
    assert f"Personal API key: {key}" in second
    assert Insight.objects.count() == 4
    assert Dashboard.objects.count() == 1
    assert Event.objects.count() == 300
    assert "Created 4 demo insights" in first
    assert "demo insights" not in second


def test_demo_insights_compute_results_over_the_demo_events(tmp_path, settings, client):
    settings.DEMO_API_KEY_FILE = tmp_path / "key"
    call_command("ensure_demo", "--events", "2000", "--seed", "5")
    key = (tmp_path / "key").read_text().strip()
    insight = Insight.objects.get(name="Daily pageviews")
    response = client.get(
        f"/api/projects/{insight.team_id}/insights/{insight.id}/",
        {"refresh": "blocking"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["query_status"] is None or not body["query_status"].get("error")
    series = body["result"][0]
    assert series["label"] == "$pageview"
    assert series["count"] == Event.objects.filter(event="$pageview").count()
