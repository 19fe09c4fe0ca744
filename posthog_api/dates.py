"""PostHog's date strings: ISO dates/datetimes and relative dates (``-7d``, ``-1mStart``, ``wEnd``).

One grammar for every caller: the query engine (``insights.queries.dates``), the insight list
filters (``insights.dates``) and elements stats (``elements.dates``). Values are naive local
wall-clock datetimes in the team timezone; ``now`` is given the same way.

    parse_date("-1mStart", now=local_now, tz=tz, week_start_day=1).value  # 00:00, 1st of last month

PostHog reads unparseable text as "now"; the engine keeps that (``strict=False``), while request
parameters pass ``strict=True`` and answer a 400 instead. A value ``datetime`` cannot hold
(``-99999999999d``, ``-3000y``) is a ``DateOutOfRange`` either way: it is never "now".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

END_OF_DAY = time(23, 59, 59, 999999)

RELATIVE_DATE = re.compile(
    r"^(?P<sign>-?)(?P<number>\d*)(?P<unit>[hdwmqysHDWMQY])(?P<pos>Start|End)?$"
)
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([T ].*)?$")


class DateOutOfRange(ValueError):
    """A date string whose value lies outside what ``datetime`` holds (years 1 to 9999)."""

    def __init__(self, raw: str) -> None:
        shown = raw if len(raw) <= 64 else f"{raw[:60]}..."
        super().__init__(f"{shown!r} is out of the supported date range.")


@dataclass(frozen=True)
class ParsedDate:
    value: datetime  # naive, local wall clock
    relative: bool
    hour_delta: bool  # relative with an ``h``/``M``/``s`` unit: truncated to the hour at most


def _unit_delta(unit: str, number: int) -> relativedelta:
    if unit == "M":
        return relativedelta(minutes=number)
    if unit == "s":
        return relativedelta(seconds=number)
    return {
        "h": relativedelta(hours=number),
        "d": relativedelta(days=number),
        "w": relativedelta(weeks=number),
        "m": relativedelta(months=number),
        "q": relativedelta(weeks=13 * number),
        "y": relativedelta(years=number),
    }[unit.lower()]


def week_start(day: datetime, week_start_day: int | None) -> datetime:
    """00:00 of the first day of ``day``'s week (Sunday unless the team starts on Monday)."""
    monday_based = day.weekday()  # Monday = 0
    offset = monday_based if week_start_day == 1 else (monday_based + 1) % 7
    return datetime.combine(day.date() - timedelta(days=offset), time())


def _snap(value: datetime, unit: str, pos: str, week_start_day: int | None) -> datetime:
    start = pos == "Start"
    low = unit.lower()
    if unit == "M":
        return (
            value.replace(second=0, microsecond=0)
            if start
            else value.replace(second=59, microsecond=999999)
        )
    if low == "h":
        return (
            value.replace(minute=0, second=0, microsecond=0)
            if start
            else value.replace(minute=59, second=59, microsecond=999999)
        )
    if low == "w":
        first = week_start(value, week_start_day)
        return first if start else datetime.combine(first.date() + timedelta(days=6), END_OF_DAY)
    if low == "m":
        if start:
            return datetime.combine(value.date().replace(day=1), time())
        return datetime.combine(value.date() + relativedelta(day=31), END_OF_DAY)
    if low == "y":
        if start:
            return datetime.combine(date(value.year, 1, 1), time())
        # PostHog's quirk: yEnd keeps the current month and only clamps the day to 31.
        return datetime.combine(value.date() + relativedelta(day=31), END_OF_DAY)
    return datetime.combine(value.date(), time() if start else END_OF_DAY)


def parse_date(
    raw: str, *, now: datetime, tz: ZoneInfo, week_start_day: int | None, strict: bool = False
) -> ParsedDate:
    """A date string (ISO or relative) as a naive local datetime.

    Unparseable text means now, as in PostHog, unless ``strict``: then it is a ValueError. A date
    too far back (or an ISO datetime whose offset moves it past year 1 or 9999) is a
    ``DateOutOfRange`` in both modes.
    """
    text = raw.strip()
    match = RELATIVE_DATE.match(text)
    if match:
        unit = match["unit"]
        try:
            # int() also refuses a number of more than 4300 digits (a ValueError).
            number = int(match["number"] or (1 if match["sign"] else 0))
            value = now - _unit_delta(unit, number)
            if match["pos"]:
                value = _snap(value, unit, match["pos"], week_start_day)
        except (OverflowError, ValueError):
            raise DateOutOfRange(raw) from None
        return ParsedDate(value=value, relative=True, hour_delta=unit in ("h", "H", "M", "s"))
    if _ISO.match(text):
        try:
            parsed = datetime.fromisoformat(_pad_iso(text).replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is not None:
                try:
                    parsed = parsed.astimezone(tz).replace(tzinfo=None)
                except (OverflowError, ValueError):
                    raise DateOutOfRange(raw) from None
            return ParsedDate(value=parsed, relative=False, hour_delta=False)
    if strict:
        raise ValueError(f"{raw!r} is not a date, a datetime or a relative date like -7d.")
    return ParsedDate(value=now, relative=True, hour_delta=False)


def _pad_iso(text: str) -> str:
    """``2024-1-5`` → ``2024-01-05`` (PostHog accepts non-zero-padded dates)."""
    head, sep, rest = text.partition("T") if "T" in text else text.partition(" ")
    year, month, day = head.split("-")
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}{'T' if sep else ''}{rest}"
