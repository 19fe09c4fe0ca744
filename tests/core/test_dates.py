"""The shared date grammar (``posthog_api.dates``): a value past what datetime holds is refused.

Unparseable text means now in the engine (``strict=False``) and is a ValueError for request
parameters (``strict=True``); a date too far back is a ``DateOutOfRange`` either way, never an
OverflowError, so every caller answers it with a 400.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from posthog_api.dates import DateOutOfRange
from posthog_api.dates import parse_date
from posthog_api.models import Team

NOW = datetime(2024, 1, 10, 12)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "raw",
    [
        "-99999999999999d",
        "-3000y",
        "-2024y",  # year 0
        "-105556wStart",  # Wednesday 0001-01-03: its week started on a Sunday in year 0
        "-" + "9" * 5000 + "d",  # more digits than int() reads
        "0001-01-01T00:00:00+05:00",  # year 0 once moved to the team timezone
        "9999-12-31T23:00:00-05:00",  # year 10000 likewise
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_a_date_past_what_datetime_holds_is_date_out_of_range(raw: str, strict: bool) -> None:
    with pytest.raises(DateOutOfRange, match="out of the supported date range"):
        parse_date(raw, now=NOW, tz=NEW_YORK, week_start_day=0, strict=strict)


def test_the_message_shortens_a_long_input() -> None:
    with pytest.raises(DateOutOfRange) as caught:
        parse_date("-" + "9" * 5000 + "d", now=NOW, tz=NEW_YORK, week_start_day=0)
    assert len(str(caught.value)) < 120


@pytest.mark.parametrize("raw", ["0000-01-01", "10000-01-01", "soon"])
def test_unparseable_text_means_now_unless_strict(raw: str) -> None:
    parsed = parse_date(raw, now=NOW, tz=NEW_YORK, week_start_day=0)
    assert parsed.value == NOW
    with pytest.raises(ValueError, match="is not a date") as caught:
        parse_date(raw, now=NOW, tz=NEW_YORK, week_start_day=0, strict=True)
    assert not isinstance(caught.value, DateOutOfRange)


def test_the_earliest_dates_datetime_holds_still_parse() -> None:
    assert parse_date("-2023yStart", now=NOW, tz=NEW_YORK, week_start_day=0).value == datetime(
        1, 1, 1
    )
    assert parse_date("0001-01-01", now=NOW, tz=NEW_YORK, week_start_day=0).value == datetime(
        1, 1, 1
    )


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_insight_list_date_filter_past_datetime_is_a_400_naming_it(
    api_client: APIClient, team: Team, value: str
) -> None:
    # The team is in UTC: the offset moves the instant into year 0 or 10000.
    response = api_client.get(f"/api/projects/{team.pk}/insights/", {"date_from": value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["type"], body["attr"]) == ("validation_error", "date_from")
    assert body["detail"] == f"'{value}' is out of the supported date range."
