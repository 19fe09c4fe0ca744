from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from elements.dates import end_of_day
from elements.dates import parse_date
from elements.dates import start_of_day

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2024, 1, 10, 11, 0, tzinfo=ZoneInfo("UTC"))  # 12:00 in Berlin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-7d", datetime(2024, 1, 3, 12, 0, tzinfo=BERLIN)),
        ("-24h", datetime(2024, 1, 9, 12, 0, tzinfo=BERLIN)),
        ("-1dStart", datetime(2024, 1, 9, 0, 0, tzinfo=BERLIN)),
        ("mStart", datetime(2024, 1, 1, 0, 0, tzinfo=BERLIN)),
        ("-1mStart", datetime(2023, 12, 1, 0, 0, tzinfo=BERLIN)),
        ("yStart", datetime(2024, 1, 1, 0, 0, tzinfo=BERLIN)),
        ("-2w", datetime(2023, 12, 27, 12, 0, tzinfo=BERLIN)),
        ("2024-01-05T08:30:00", datetime(2024, 1, 5, 8, 30, tzinfo=BERLIN)),
        ("2024-01-05T08:30:00Z", datetime(2024, 1, 5, 9, 30, tzinfo=BERLIN)),
    ],
)
def test_parses_relative_and_absolute_dates_in_the_team_timezone(text, expected):
    moment, whole_day = parse_date(text, tz=BERLIN, now=NOW)
    assert moment == expected
    assert not whole_day


def test_a_bare_date_is_a_whole_day_even_without_zero_padding():
    assert parse_date("2024-1-5", tz=BERLIN, now=NOW) == (datetime(2024, 1, 5, tzinfo=BERLIN), True)


@pytest.mark.parametrize("text", ["", "yesterday", "-7x", "2024-13-01"])
def test_unparseable_dates_raise(text):
    with pytest.raises(ValueError):
        parse_date(text, tz=BERLIN, now=NOW)


def test_day_bounds_follow_the_timezone():
    moment = datetime(2024, 1, 5, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on the 6th in Berlin
    assert start_of_day(moment, BERLIN) == datetime(2024, 1, 6, tzinfo=BERLIN)
    assert end_of_day(moment, BERLIN) == datetime(2024, 1, 6, 23, 59, 59, 999_999, tzinfo=BERLIN)
