"""Date range resolution and interval buckets in the team timezone (posthog-queries.md §1.4).

Usage::

    rng = resolve_range(date_from="-7d", date_to=None, interval="day", tz=ZoneInfo("UTC"),
                        week_start_day=0, now=timezone.now())
    rng.buckets        # local bucket starts, dense
    rng.event_from     # lower bound of the event filter (inclusive)
    rng.date_to        # upper bound (inclusive)

All arithmetic is on naive local wall-clock values; bounds handed to SQL are made aware in the
team timezone at the end, so a DST change never shifts a bucket boundary.

A date the arithmetic cannot hold is refused up front, naming the field: the query schema checks
each date with ``supported_date`` and the compare period with ``compare_period_supported``. Should
one still overflow here (``"all"`` from an event in year 1), the query is a 400, not a failed
calculation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta
from functools import wraps
from typing import ParamSpec
from typing import TypeVar
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from rest_framework.exceptions import ValidationError

from posthog_api.dates import END_OF_DAY
from posthog_api.dates import RELATIVE_DATE
from posthog_api.dates import DateOutOfRange
from posthog_api.dates import ParsedDate
from posthog_api.dates import parse_date
from posthog_api.dates import week_start

__all__ = ["END_OF_DAY", "DateOutOfRange", "ParsedDate", "parse_date", "week_start"]

DEFAULT_DATE_FROM_DAYS = 7
MAX_BUCKETS = 50_000
UTC = ZoneInfo("UTC")
# The dates a query may use. The engine moves a bound by at most a day (time zones) and a month
# (interval buckets, week and month snapping, the end of the last bucket), so a year of margin
# inside what ``datetime`` holds (1 to 9999) keeps all of that arithmetic from overflowing.
EARLIEST = datetime(2, 1, 1)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999)
OUT_OF_RANGE = "The date range is out of the supported date range."

P = ParamSpec("P")
R = TypeVar("R")

INTERVAL_STEP: dict[str, relativedelta] = {
    "minute": relativedelta(minutes=1),
    "hour": relativedelta(hours=1),
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
}


def supported_date(raw: str, *, now: datetime) -> datetime:
    """``raw`` read at ``now`` (naive UTC), or DateOutOfRange unless it is in years 2 to 9998.

    Unparseable text still means now (PostHog's reading); only a value the engine could not
    compute with is refused.
    """
    value = parse_date(raw, now=now, tz=UTC, week_start_day=None).value
    if not EARLIEST <= value <= LATEST:
        raise DateOutOfRange(raw)
    return value


def compare_period_supported(
    *, date_from: str | None, date_to: str | None, compare_to: str | None, now: datetime
) -> bool:
    """Whether the previous period of a supported range stays in years 2 to 9998.

    Read at ``now`` in UTC, as ``previous_range`` computes it to within a day or a month, which
    the margin around the supported dates covers. ``"all"`` starts at the first event, which only
    the engine knows: it checks that range when it runs.
    """
    if date_from == "all":
        return True
    start = (
        supported_date(date_from, now=now)
        if date_from
        else now - timedelta(days=DEFAULT_DATE_FROM_DAYS)
    )
    end = supported_date(date_to, now=now) if date_to else now
    try:
        if compare_to:
            shift = start - parse_date(compare_to, now=start, tz=UTC, week_start_day=None).value
        else:
            shift = end - start
        bounds = (start - shift, end - shift)
    except (OverflowError, DateOutOfRange):
        return False
    return all(EARLIEST <= bound <= LATEST for bound in bounds)


def _computable(resolve: Callable[P, R]) -> Callable[P, R]:
    """Date arithmetic past what ``datetime`` holds is a 400 on the query, never a failed run."""

    @wraps(resolve)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return resolve(*args, **kwargs)
        except (OverflowError, ValueError):
            raise ValidationError({"query": [OUT_OF_RANGE]}) from None

    return checked


def start_of_interval(value: datetime, interval: str, week_start_day: int | None) -> datetime:
    if interval == "minute":
        return value.replace(second=0, microsecond=0)
    if interval == "hour":
        return value.replace(minute=0, second=0, microsecond=0)
    if interval == "week":
        return week_start(value, week_start_day)
    if interval == "month":
        return datetime.combine(value.date().replace(day=1), time())
    return datetime.combine(value.date(), time())


@dataclass(frozen=True)
class ResolvedRange:
    date_from: datetime  # naive local
    date_to: datetime  # naive local
    event_from: datetime  # naive local, inclusive lower bound of the event filter
    interval: str
    tz: ZoneInfo
    buckets: tuple[datetime, ...]
    from_relative_days: int | None = None  # N of a ``-Nd`` date_from (compare kludge)
    date_to_given: bool = False

    def aware(self, value: datetime) -> datetime:
        return value.replace(tzinfo=self.tz)

    @property
    def sql_from(self) -> datetime:
        return self.aware(self.event_from)

    @property
    def sql_to(self) -> datetime:
        return self.aware(self.date_to)


def _buckets(first: datetime, last: datetime, interval: str) -> tuple[datetime, ...]:
    step = INTERVAL_STEP[interval]
    out: list[datetime] = []
    current = first
    while current <= last:
        if len(out) >= MAX_BUCKETS:
            raise ValidationError(
                {"query": [f"The date range has more than {MAX_BUCKETS} {interval} intervals."]}
            )
        out.append(current)
        current = current + step
    return tuple(out)


def build_range(
    *,
    date_from: datetime,
    date_to: datetime,
    interval: str,
    tz: ZoneInfo,
    week_start_day: int | None,
    exact: bool,
    from_hour_delta: bool = False,
    from_relative_days: int | None = None,
    date_to_given: bool = False,
) -> ResolvedRange:
    first = start_of_interval(date_from, interval, week_start_day)
    if exact or interval in ("hour", "minute") or from_hour_delta:
        event_from = date_from
    elif interval == "week":
        event_from = datetime.combine(date_from.date(), time())
    else:
        event_from = first
    return ResolvedRange(
        date_from=date_from,
        date_to=date_to,
        event_from=event_from,
        interval=interval,
        tz=tz,
        buckets=_buckets(first, date_to, interval),
        from_relative_days=from_relative_days,
        date_to_given=date_to_given,
    )


@_computable
def resolve_range(
    *,
    date_from: str | None,
    date_to: str | None,
    interval: str,
    tz: ZoneInfo,
    week_start_day: int | None,
    now: datetime,
    explicit: bool = False,
    exact: bool = False,
    earliest: datetime | None = None,
) -> ResolvedRange:
    """Resolve ``dateRange`` as PostHog's QueryDateRange does (``now`` is an aware instant)."""
    local_now = now.astimezone(tz).replace(tzinfo=None)
    exact = exact or explicit
    hour_delta = False
    relative_days: int | None = None
    if date_from == "all":
        start = earliest.astimezone(tz).replace(tzinfo=None) if earliest else local_now
        start = datetime.combine(start.date(), time()) if not exact else start
    elif date_from:
        parsed = parse_date(date_from, now=local_now, tz=tz, week_start_day=week_start_day)
        start = parsed.value
        hour_delta = parsed.hour_delta
        if parsed.relative and not exact and interval != "minute":
            if hour_delta:
                start = start.replace(minute=0, second=0, microsecond=0)
            else:
                start = datetime.combine(start.date(), time())
        match = RELATIVE_DATE.match(date_from.strip())
        if match and match["unit"] == "d" and not match["pos"]:
            relative_days = int(match["number"] or 1)
    else:
        start = datetime.combine(local_now.date() - timedelta(days=DEFAULT_DATE_FROM_DAYS), time())

    if date_to:
        parsed_to = parse_date(date_to, now=local_now, tz=tz, week_start_day=week_start_day)
        end = parsed_to.value
        to_relative = parsed_to.relative
    else:
        end = local_now
        to_relative = True
    if not explicit and not (exact and not date_to):
        if interval in ("day", "week", "month"):
            end = datetime.combine(end.date(), END_OF_DAY)
        elif interval == "hour" and to_relative:
            end = end.replace(minute=59, second=59, microsecond=999999)
        elif interval == "minute":
            end = end.replace(second=59, microsecond=999999)
    return build_range(
        date_from=start,
        date_to=end,
        interval=interval,
        tz=tz,
        week_start_day=week_start_day,
        exact=exact,
        from_hour_delta=hour_delta and interval == "day",
        from_relative_days=relative_days,
        date_to_given=bool(date_to),
    )


@_computable
def previous_range(
    current: ResolvedRange, *, compare_to: str | None, week_start_day: int | None, now: datetime
) -> ResolvedRange:
    """The compare period: shifted back by ``compare_to`` or by the range's own length."""
    if compare_to:
        local_now = current.date_from  # only the delta matters: apply it to both bounds
        shifted = parse_date(
            compare_to, now=local_now, tz=current.tz, week_start_day=week_start_day
        )
        delta = current.date_from - shifted.value
        return build_range(
            date_from=current.date_from - delta,
            date_to=current.date_to - delta,
            interval=current.interval,
            tz=current.tz,
            week_start_day=week_start_day,
            exact=current.event_from == current.date_from,
        )
    diff = current.date_to - current.date_from
    new_from = current.date_from - diff
    if current.interval == "hour":
        new_from = new_from.replace(minute=0, second=0, microsecond=0)
        new_to = (new_from + diff).replace(minute=59, second=59, microsecond=999999)
    else:
        new_from = datetime.combine(new_from.date(), time())
        new_to = datetime.combine((new_from + diff).date(), END_OF_DAY)
    # PostHog's kludge: "last 7 days" spans 8 calendar days, so its previous period starts a day later.
    if (
        current.from_relative_days is not None
        and current.from_relative_days % 7 == 0
        and not current.date_to_given
    ):
        new_from = new_from + timedelta(days=1)
    return build_range(
        date_from=new_from,
        date_to=new_to,
        interval=current.interval,
        tz=current.tz,
        week_start_day=week_start_day,
        exact=False,
    )


def iso(value: datetime) -> str:
    """ISO-8601 with offset, ``Z`` for UTC (PostHog's datetime rendering)."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
