"""Date range resolution (§1.4) with a fixed "now" (2024-01-10 12:00 in the team timezone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from insights.queries.dates import previous_range
from insights.queries.dates import resolve_range

UTC = ZoneInfo("UTC")
NOW = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)


def resolve(date_from: str | None, date_to: str | None = None, interval: str = "day", **kw: object):  # type: ignore[no-untyped-def]
    return resolve_range(
        date_from=date_from,
        date_to=date_to,
        interval=interval,
        tz=UTC,
        week_start_day=0,
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("date_from", "expected_from"),
    [
        ("-7d", datetime(2024, 1, 3)),
        ("mStart", datetime(2024, 1, 1)),
        ("-1mStart", datetime(2023, 12, 1)),
        ("yStart", datetime(2024, 1, 1)),
        ("-24h", datetime(2024, 1, 9, 12)),
        ("-1dStart", datetime(2024, 1, 9)),
        ("2024-1-5", datetime(2024, 1, 5)),
        ("2024-01-05T10:30:00+02:00", datetime(2024, 1, 5, 8, 30)),
        ("gibberish", datetime(2024, 1, 10)),
        (None, datetime(2024, 1, 3)),
    ],
)
def test_date_from_resolution(date_from: str | None, expected_from: datetime) -> None:
    assert resolve(date_from).date_from == expected_from


def test_last_seven_days_spans_eight_buckets_to_the_end_of_today() -> None:
    rng = resolve("-7d")
    assert len(rng.buckets) == 8
    assert rng.date_to == datetime(2024, 1, 10, 23, 59, 59, 999999)


def test_minute_interval_keeps_the_relative_time() -> None:
    rng = resolve("-2h", interval="minute")
    assert (rng.date_from, rng.date_to) == (
        datetime(2024, 1, 10, 10),
        datetime(2024, 1, 10, 12, 0, 59, 999999),
    )


def test_exact_mode_without_date_to_ends_now() -> None:
    rng = resolve("-7d", exact=True)
    assert (rng.date_from, rng.date_to) == (datetime(2024, 1, 3, 12), datetime(2024, 1, 10, 12))


def test_explicit_date_uses_both_bounds_verbatim() -> None:
    rng = resolve("2024-01-02T10:00:00", "2024-01-03T11:00:00", explicit=True)
    assert (rng.event_from, rng.date_to) == (datetime(2024, 1, 2, 10), datetime(2024, 1, 3, 11))


def test_previous_period_of_last_seven_days_is_the_seven_days_before() -> None:
    prev = previous_range(resolve("-7d"), compare_to=None, week_start_day=0, now=NOW)
    assert (prev.date_from, prev.date_to) == (
        datetime(2023, 12, 27),
        datetime(2024, 1, 2, 23, 59, 59, 999999),
    )


def test_compare_to_shifts_the_whole_range() -> None:
    prev = previous_range(
        resolve("2024-01-08", "2024-01-09"), compare_to="-1w", week_start_day=0, now=NOW
    )
    assert (prev.date_from, prev.date_to) == (
        datetime(2024, 1, 1),
        datetime(2024, 1, 2, 23, 59, 59, 999999),
    )


def test_ranges_are_computed_in_the_team_timezone() -> None:
    tz = ZoneInfo("Asia/Tokyo")  # now = 2024-01-10 21:00 local
    rng = resolve_range(
        date_from="dStart", date_to=None, interval="hour", tz=tz, week_start_day=0, now=NOW
    )
    assert rng.date_from == datetime(2024, 1, 10)
    assert rng.sql_from.isoformat() == "2024-01-10T00:00:00+09:00"
    assert len(rng.buckets) == 22


def test_too_many_buckets_is_a_400() -> None:
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError):
        resolve("2000-01-01", interval="minute")
