"""The hourly rollup stays exact however events change, and trends read from it equal raw trends."""

from __future__ import annotations

import random
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.db import connection
from rest_framework.test import APIClient

from insights.queries.dates import resolve_range
from insights.queries.hourly_counts import covers
from posthog_api.demo import generate_demo_data
from posthog_api.models import Event
from posthog_api.models import Team
from tests.insights.queries.helpers import calculate
from tests.insights.queries.helpers import pageviews
from tests.insights.queries.helpers import trends

pytestmark = pytest.mark.django_db

START = datetime(2024, 3, 1, tzinfo=UTC)  # spans the 2024 DST changes of New York and London


def rollup(team: Team) -> dict[tuple[str, datetime], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event, hour, sum(count) FROM posthog_api_eventhourlycount WHERE team_id = %s"
            " GROUP BY 1, 2 HAVING sum(count) <> 0",
            [team.pk],
        )
        return {(event, hour): int(count) for event, hour, count in cursor.fetchall()}


def raw(team: Team) -> dict[tuple[str, datetime], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event, date_trunc('hour', timestamp, 'UTC'), count(*)"
            " FROM posthog_api_event WHERE team_id = %s GROUP BY 1, 2",
            [team.pk],
        )
        return {(event, hour): int(count) for event, hour, count in cursor.fetchall()}


def scatter(team: Team, count: int, *, seed: int = 7) -> None:
    """``count`` events over 70 days, in one INSERT (the trigger sees them as one statement)."""
    rng = random.Random(seed)
    Event.objects.bulk_create(
        Event(
            team=team,
            event=rng.choice(["$pageview", "$pageview", "signup", "$autocapture"]),
            distinct_id=f"u{n % 17}",
            timestamp=START + timedelta(seconds=rng.randrange(70 * 24 * 3600)),
        )
        for n in range(count)
    )


def test_created_deleted_and_moved_events_keep_the_counts_exact(team: Team) -> None:
    scatter(team, 120)
    assert rollup(team) == raw(team)

    Event.objects.filter(team=team, event="signup").delete()
    assert rollup(team) == raw(team)

    Event.objects.filter(team=team, event="$autocapture").update(timestamp=START)
    assert rollup(team) == raw(team)


def test_a_batch_sent_twice_is_counted_once(api_client: APIClient, team: Team) -> None:
    batch = {
        "api_key": team.api_token,
        "batch": [
            {
                "event": "$pageview",
                "distinct_id": f"d{n}",
                "uuid": f"00000000-0000-4000-8000-{n:012d}",
                "timestamp": f"2024-03-02T10:{n:02d}:00Z",
            }
            for n in range(30)
        ],
    }
    for _ in range(2):
        response = api_client.post("/batch/", orjson.dumps(batch), content_type="application/json")
        assert response.status_code == 200

    assert rollup(team) == {("$pageview", datetime(2024, 3, 2, 10, tzinfo=UTC)): 30}


def test_inserts_after_a_batch_in_the_same_transaction_are_counted_again(
    api_client: APIClient, team: Team
) -> None:
    """Capture switches the counting trigger off for its own insert only."""
    batch = {"api_key": team.api_token, "batch": [{"event": "signup", "distinct_id": "a"}]}
    api_client.post("/batch/", orjson.dumps(batch), content_type="application/json")

    Event.objects.create(team=team, event="signup", distinct_id="b", timestamp=START)

    assert rollup(team) == raw(team)
    assert sum(rollup(team).values()) == 2


def test_demo_data_loaded_with_copy_is_counted(team: Team) -> None:
    generate_demo_data(team=team, events=3_000, seed=5)

    assert rollup(team) == raw(team)
    assert sum(rollup(team).values()) == Event.objects.filter(team=team).count()


QUERIES: list[tuple[str, dict[str, Any]]] = [
    (
        "day",
        trends(
            series=[pageviews()], dateRange={"date_from": "2024-03-01", "date_to": "2024-05-09"}
        ),
    ),
    (
        "hour",
        trends(
            series=[pageviews()],
            interval="hour",
            dateRange={"date_from": "2024-03-09", "date_to": "2024-03-11"},
        ),
    ),
    (
        "week",
        trends(
            series=[pageviews(), {"kind": "EventsNode", "event": "signup"}],
            interval="week",
            dateRange={"date_from": "2024-03-01", "date_to": "2024-05-01"},
        ),
    ),
    (
        "month",
        trends(
            series=[{"kind": "EventsNode", "event": None}],
            interval="month",
            dateRange={"date_from": "2024-03-01", "date_to": "2024-05-31"},
        ),
    ),
    (
        "total value",
        trends(
            series=[pageviews()],
            trendsFilter={"display": "BoldNumber"},
            dateRange={"date_from": "2024-03-05", "date_to": "2024-04-20"},
        ),
    ),
    (
        "cumulative",
        trends(
            series=[pageviews()],
            trendsFilter={"display": "ActionsLineGraphCumulative"},
            dateRange={"date_from": "2024-03-20", "date_to": "2024-04-10"},
        ),
    ),
    (
        "compare",
        trends(
            series=[pageviews()],
            compareFilter={"compare": True},
            dateRange={"date_from": "2024-04-01", "date_to": "2024-04-30"},
        ),
    ),
    (
        "formula",
        trends(
            series=[pageviews(), {"kind": "EventsNode", "event": "signup"}],
            trendsFilter={"formula": "A/B"},
            dateRange={"date_from": "2024-03-01", "date_to": "2024-03-31"},
        ),
    ),
    (
        "exact hours",
        trends(
            series=[pageviews()],
            interval="hour",
            dateRange={
                "date_from": "2024-03-09T01:30:00",
                "date_to": "2024-03-12T09:15:00",
                "explicitDate": True,
            },
        ),
    ),
]


@pytest.mark.parametrize(
    ("tz", "week_start_day"),
    [("UTC", 0), ("America/New_York", 0), ("Europe/London", 1), ("Asia/Kolkata", 1)],
)
@pytest.mark.parametrize(("name", "query"), QUERIES, ids=[name for name, _ in QUERIES])
def test_trends_from_the_rollup_equal_trends_from_raw_events(
    team: Team, settings: Any, tz: str, week_start_day: int, name: str, query: dict[str, Any]
) -> None:
    scatter(team, 400)
    team.timezone, team.week_start_day = tz, week_start_day
    team.save()

    settings.QUERY_HOURLY_COUNTS = True
    from_rollup = calculate(team, query)
    settings.QUERY_HOURLY_COUNTS = False
    from_events = calculate(team, query)

    assert from_rollup["results"] == from_events["results"]
    counted = sum(
        item.get("aggregated_value") or sum(item["data"]) for item in from_events["results"]
    )
    assert counted > 0


def _range(
    tz: str, date_from: str, date_to: str | None, interval: str, *, explicit: bool = False
) -> Any:
    from zoneinfo import ZoneInfo

    return resolve_range(
        date_from=date_from,
        date_to=date_to,
        interval=interval,
        tz=ZoneInfo(tz),
        week_start_day=0,
        now=datetime(2024, 4, 15, 12, 34, tzinfo=UTC),
        explicit=explicit,
    )


def test_whole_hour_ranges_in_whole_hour_zones_use_the_rollup() -> None:
    assert covers(_range("America/New_York", "-30d", None, "day"))
    assert covers(_range("Europe/London", "2024-03-01", "2024-04-01", "week"))


def test_half_hour_zones_and_ranges_inside_an_hour_read_raw_events() -> None:
    assert not covers(_range("Asia/Kolkata", "-30d", None, "day"))
    assert not covers(_range("UTC", "2024-04-14T12:30:00", None, "hour", explicit=True))
    assert not covers(_range("UTC", "-1h", None, "minute"))


def test_the_setting_turns_the_rollup_off(settings: Any) -> None:
    settings.QUERY_HOURLY_COUNTS = False

    assert not covers(_range("UTC", "-30d", None, "day"))
