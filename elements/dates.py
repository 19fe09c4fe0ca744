"""Date parameters: ISO dates/datetimes or PostHog's relative grammar (``-7d``, ``-1mStart``).

A naive value is wall time in the team's timezone; "now" is taken in that timezone too::

    parse_date("-7d", tz=ZoneInfo("Europe/Berlin"), now=timezone.now())  # 7 days before now
    parse_date("2024-01-05", tz=tz, now=now)                             # (2024-01-05 00:00, True)

Returns the instant and whether the value named a whole day (a bare date), so a caller can
extend an end date to the end of that day. An unparseable value is a ValueError (PostHog silently
uses "now" instead).
"""

from __future__ import annotations

import re
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from posthog_api.dates import parse_date as parse_date_string

_BARE_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def parse_date(value: str, *, tz: ZoneInfo, now: datetime) -> tuple[datetime, bool]:
    """The instant ``value`` names (aware, in ``tz``) and whether it was a bare date."""
    local_now = now.astimezone(tz).replace(tzinfo=None)
    parsed = parse_date_string(value, now=local_now, tz=tz, week_start_day=None, strict=True)
    return parsed.value.replace(tzinfo=tz), bool(_BARE_DATE.match(value.strip()))


def start_of_day(moment: datetime, tz: ZoneInfo) -> datetime:
    """Midnight of ``moment``'s day in ``tz``."""
    return datetime.combine(moment.astimezone(tz).date(), time.min, tzinfo=tz)


def end_of_day(moment: datetime, tz: ZoneInfo) -> datetime:
    return start_of_day(moment, tz) + timedelta(days=1) - timedelta(microseconds=1)
