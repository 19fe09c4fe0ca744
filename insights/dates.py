"""PostHog's date strings for list filters: ISO dates/datetimes and ``-7d``-style relative dates.

``relative_date_parse("-1mStart", tz)`` is 00:00 on the first day of last month in ``tz``.
Unlike PostHog, text that is neither raises ``ValueError`` instead of meaning "now".
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.utils import timezone

_RELATIVE = re.compile(
    r"^(?P<sign>-?)(?P<number>\d*)(?P<unit>[hdwmqysHDWQYM])(?P<snap>Start|End)?$"
)
_LOOSE_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _delta(unit: str, number: int) -> relativedelta:
    match unit:
        case "h" | "H":
            return relativedelta(hours=number)
        case "d" | "D":
            return relativedelta(days=number)
        case "w" | "W":
            return relativedelta(weeks=number)
        case "m":
            return relativedelta(months=number)
        case "q" | "Q":
            return relativedelta(weeks=13 * number)
        case "y" | "Y":
            return relativedelta(years=number)
        case "M":
            return relativedelta(minutes=number)
        case _:  # "s"
            return relativedelta(seconds=number)


def _snap(moment: datetime, unit: str, snap: str) -> datetime:
    start = snap == "Start"
    if unit in "hH":
        return moment.replace(
            minute=0 if start else 59, second=0 if start else 59, microsecond=0 if start else 999999
        )
    day_start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = moment.replace(hour=23, minute=59, second=59, microsecond=999999)
    base = day_start if start else day_end
    if unit == "m":
        last = calendar.monthrange(moment.year, moment.month)[1]
        return base.replace(day=1 if start else last)
    if unit in "yY":
        return base.replace(month=1, day=1) if start else base.replace(month=12, day=31)
    if unit in "wW":
        return (
            base - timedelta(days=moment.weekday())
            if start
            else base + timedelta(days=6 - moment.weekday())
        )
    return base


def relative_date_parse(value: str, tz: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """An aware datetime for ``value``; naive input is read in ``tz``."""
    text = value.strip()
    loose = _LOOSE_DATE.match(text)
    if loose:
        year, month, day = (int(part) for part in loose.groups())
        return datetime(year, month, day, tzinfo=tz)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    match = _RELATIVE.match(text)
    if match is None:
        raise ValueError(f"{value!r} is not a date, a datetime or a relative date like -7d.")
    moment = (now or timezone.now()).astimezone(tz)
    number = int(match["number"] or 1) if match["sign"] or match["number"] else 0
    try:
        moment = moment - _delta(match["unit"], number)
    except (OverflowError, ValueError):
        raise ValueError(f"{value!r} is out of the supported date range.") from None
    if match["snap"]:
        moment = _snap(moment, match["unit"], match["snap"])
    return moment
