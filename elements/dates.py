"""Date parameters: ISO dates/datetimes or PostHog's relative grammar (``-7d``, ``-1mStart``).

A naive value is wall time in the team's timezone; "now" is taken in that timezone too::

    parse_date("-7d", tz=ZoneInfo("Europe/Berlin"), now=timezone.now())  # 7 days before now
    parse_date("2024-01-05", tz=tz, now=now)                             # (2024-01-05 00:00, True)

Returns the instant and whether the value named a whole day (a bare date), so a caller can
extend an end date to the end of that day. An unparseable value is a ValueError (PostHog silently
uses "now" instead).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

_RELATIVE = re.compile(r"^-?(?P<amount>\d*)(?P<unit>[hdwmqysHDWMQY])(?P<anchor>Start|End)?$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

_DELTAS = {
    "h": relativedelta(hours=1),
    "d": relativedelta(days=1),
    "w": relativedelta(weeks=1),
    "m": relativedelta(months=1),
    "q": relativedelta(weeks=13),
    "y": relativedelta(years=1),
    "M": relativedelta(minutes=1),
    "s": relativedelta(seconds=1),
}


def _anchor(moment: datetime, unit: str, anchor: str) -> datetime:
    start = anchor == "Start"
    if unit == "h":
        return (
            moment.replace(minute=0, second=0, microsecond=0)
            if start
            else moment.replace(minute=59, second=59, microsecond=999_999)
        )
    if unit == "m":
        last = calendar.monthrange(moment.year, moment.month)[1]
        moment = moment.replace(day=1 if start else last)
    elif unit == "y":
        moment = moment.replace(month=1, day=1) if start else moment.replace(month=12, day=31)
    day_time = time.min if start else time.max
    return datetime.combine(moment.date(), day_time, tzinfo=moment.tzinfo)


def parse_date(value: str, *, tz: ZoneInfo, now: datetime) -> tuple[datetime, bool]:
    """The instant ``value`` names (aware, in ``tz``) and whether it was a bare date."""
    text = value.strip()
    match = _DATE.match(text)
    if match:
        day = date(*(int(part) for part in match.groups()))
        return datetime.combine(day, time.min, tzinfo=tz), True
    relative = _RELATIVE.match(text)
    if relative:
        unit = relative["unit"]
        unit = unit if unit in ("M", "s") else unit.lower()
        amount = int(relative["amount"] or (0 if relative["anchor"] else 1))
        moment = now.astimezone(tz) - _DELTAS[unit] * amount
        if relative["anchor"]:
            moment = _anchor(moment, unit, relative["anchor"])
        return moment, False
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(tz), False


def start_of_day(moment: datetime, tz: ZoneInfo) -> datetime:
    """Midnight of ``moment``'s day in ``tz``."""
    return datetime.combine(moment.astimezone(tz).date(), time.min, tzinfo=tz)


def end_of_day(moment: datetime, tz: ZoneInfo) -> datetime:
    return start_of_day(moment, tz) + timedelta(days=1) - timedelta(microseconds=1)
