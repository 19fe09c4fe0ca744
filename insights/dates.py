"""Date strings of the insight list filters, read with the one shared grammar (``posthog_api.dates``).

``relative_date_parse("-1mStart", tz)`` is 00:00 on the first day of last month in ``tz``.
Unlike PostHog, text that is neither a date nor a relative date raises ``ValueError`` (a 400)
instead of meaning "now".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from posthog_api.dates import parse_date


def relative_date_parse(
    value: str, tz: ZoneInfo, *, now: datetime | None = None, week_start_day: int | None = None
) -> datetime:
    """An aware datetime for ``value``; naive input is read in ``tz``."""
    local_now = (now or timezone.now()).astimezone(tz).replace(tzinfo=None)
    parsed = parse_date(value, now=local_now, tz=tz, week_start_day=week_start_day, strict=True)
    return parsed.value.replace(tzinfo=tz)
