from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from insights.dates import relative_date_parse

NOW = datetime(2024, 1, 10, 12, 0, tzinfo=ZoneInfo("UTC"))
UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-7d", datetime(2024, 1, 3, 12, tzinfo=UTC)),
        ("-24h", datetime(2024, 1, 9, 12, tzinfo=UTC)),
        ("-1dStart", datetime(2024, 1, 9, tzinfo=UTC)),
        ("mStart", datetime(2024, 1, 1, tzinfo=UTC)),
        ("-1mStart", datetime(2023, 12, 1, tzinfo=UTC)),
        ("yStart", datetime(2024, 1, 1, tzinfo=UTC)),
        ("-1q", datetime(2023, 10, 11, 12, tzinfo=UTC)),
        ("-30M", datetime(2024, 1, 10, 11, 30, tzinfo=UTC)),
        ("2024-1-5", datetime(2024, 1, 5, tzinfo=UTC)),
        ("2024-01-05T10:00:00Z", datetime(2024, 1, 5, 10, tzinfo=UTC)),
    ],
)
def test_parses_posthog_date_strings(text, expected):
    assert relative_date_parse(text, UTC, now=NOW) == expected


def test_naive_values_are_read_in_the_project_timezone():
    berlin = ZoneInfo("Europe/Berlin")
    parsed = relative_date_parse("2024-01-05T10:00", berlin)
    assert parsed.utcoffset().total_seconds() == 3600


@pytest.mark.parametrize(
    "text", ["yesterday", "31/12/2024", "-7x", "", "-99999999y", "-99999999999d"]
)
def test_unparseable_text_is_an_error_not_now(text):
    with pytest.raises(ValueError):
        relative_date_parse(text, UTC, now=NOW)


def test_week_start_follows_the_team_setting():
    from zoneinfo import ZoneInfo

    now = datetime(2024, 1, 10, 12, tzinfo=UTC)  # a Wednesday
    utc = ZoneInfo("UTC")
    assert relative_date_parse("wStart", utc, now=now, week_start_day=1) == datetime(
        2024, 1, 8, tzinfo=UTC
    )
    assert relative_date_parse("wStart", utc, now=now, week_start_day=0) == datetime(
        2024, 1, 7, tzinfo=UTC
    )
