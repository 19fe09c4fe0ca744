"""Plain event counts from the hourly rollup (``EventHourlyCount``) instead of the raw events.

A trends series that counts events (math ``total``) with no breakdown and no filters only needs
how many events fall in each bucket. The rollup holds that per team, event and UTC hour, kept
exact by triggers (``posthog_api/migrations/0002_event_hourly_counts.py``), so a 30-day daily
trend reads ~720 rows per shard instead of every event of the month.

It is used only where it gives the raw answer exactly (``covers``):

* the range starts and ends on whole UTC hours: an hour row is either wholly inside or wholly
  outside it (bucketed day/week/month ranges always do; an exact ``-24h`` range does not);
* the interval is an hour or longer, and the team's timezone is a whole number of hours from UTC
  at every bucket start and at the range end, so each UTC hour lies inside one local bucket
  (India's +5:30 never qualifies and reads the raw events).

``QUERY_HOURLY_COUNTS=false`` turns it off.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from django.conf import settings

from insights.queries.dates import ResolvedRange
from insights.queries.filters import Fragment
from insights.queries.sql import bucket_expr

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
INTERVALS = frozenset({"hour", "day", "week", "month"})


def _whole_utc_hour(instant: datetime) -> bool:
    return instant.timestamp() % 3600 == 0


def _whole_hour_offset(instant: datetime) -> bool:
    offset = instant.utcoffset()
    return offset is not None and offset % HOUR == timedelta(0)


def covers(rng: ResolvedRange) -> bool:
    """Whether the rollup answers plain counts over ``rng`` exactly (see the module notes)."""
    if not settings.QUERY_HOURLY_COUNTS or rng.interval not in INTERVALS:
        return False
    start, end = rng.sql_from, rng.sql_to + MICROSECOND
    if not (_whole_utc_hour(start) and _whole_utc_hour(end)):
        return False
    instants = [start, rng.sql_to, *(rng.aware(bucket) for bucket in rng.buckets)]
    return all(_whole_hour_offset(instant) for instant in instants)


def counts_sql(
    *,
    team_id: int,
    event: str | None,
    rng: ResolvedRange,
    tz_name: str,
    week_start_day: int | None,
    total_value: bool,
) -> Fragment:
    """Rows ``(bucket, '', count)`` like the raw runner's (one NULL bucket for total value)."""
    where = ["c.team_id = %s", "c.hour >= %s", "c.hour <= %s"]
    params: list[object] = [team_id, rng.sql_from, rng.sql_to]
    if event is not None:
        where.append("c.event = %s")
        params.append(event)
    bucket: Fragment = ("NULL::timestamp", [])
    if not total_value:
        bucket = bucket_expr(rng.interval, tz_name, week_start_day, "c.hour")
    bucket_sql, bucket_params = bucket
    sql = (
        f"SELECT {bucket_sql}, '', sum(c.count)::bigint"
        " FROM posthog_api_eventhourlycount c"
        f" WHERE {' AND '.join(where)} GROUP BY 1 HAVING sum(c.count) <> 0"
    )
    return sql, [*bucket_params, *params]
