"""Reads: element rows of a team, and statistics over the team's autocapture events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DataError
from django.db import OperationalError
from django.db import connection
from django.db import transaction
from django.db.models import QuerySet
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError

from elements.filters import ElementFilterSet
from elements.models import Element
from elements.property_filters import Filters
from elements.property_filters import compile_property_filters
from insights.queries.filters import Fragment
from insights.queries.sql import EventScope
from posthog_api.elements_chain import escape
from posthog_api.elements_chain import unescape
from posthog_api.models import Team

INVALID_REGULAR_EXPRESSION = "2201B"
# Values are extracted from at most this many recent matching events (as PostHog does).
VALUES_SCAN_LIMIT = 100_000
VALUES_RESULT_LIMIT = 100
_TAG_VALUE = r"^([-_a-zA-Z0-9]*?)[.:]"
_CHAIN_VALUE = r'[:"]{key}="((?:[^"\\]|\\.)*)"'
# Sampling keeps an event when its distinct_id hashes into the first `factor` of this range,
# so a person's events are kept or dropped together and the same sample is seen every time.
_SAMPLING_BUCKETS = 1_000_000


class QueryTimeout(APIException):
    status_code = 504
    default_detail = "The query took too long; narrow the date range or use sampling_factor."
    default_code = "query_timeout"


@dataclass(frozen=True)
class StatsRow:
    chain: str
    event: str
    count: int


def element_list(*, team: Team, filters: dict[str, Any] | None = None) -> QuerySet[Element]:
    """Elements of the team (through their group), oldest first so pages are stable."""
    queryset = Element.objects.filter(group__team=team).order_by("id")
    return ElementFilterSet(filters or {}, queryset).qs


def stats_sql(
    *,
    team: Team,
    event_types: list[str],
    date_from: datetime,
    date_to: datetime,
    properties: Filters,
    limit: int,
    offset: int,
    sampling_factor: float = 1.0,
    filter_test_accounts: bool = False,
) -> tuple[str, list[Any]]:
    """The stats query: events grouped by (chain, event type), largest count first.

    ``properties`` are filters parsed by ``parse_property_filters``.
    """
    condition = compile_property_filters(properties, team=team, test_accounts=filter_test_accounts)
    extra_where: list[Fragment] = [
        ("e.event = ANY(%s)", [event_types]),
        ("e.elements_chain <> ''", []),
    ]
    if sampling_factor < 1:
        extra_where.append(
            (
                "abs(hashtext(e.distinct_id)::bigint) %% %s < %s",
                [_SAMPLING_BUCKETS, int(sampling_factor * _SAMPLING_BUCKETS)],
            )
        )
    # The engine's scope joins the person (as ``p``) only when a filter reads it.
    from_where, params = EventScope(
        team_id=team.id,
        event=None,
        ts_from=date_from,
        ts_to=date_to,
        conditions=[(condition.sql, condition.params)],
        needs_person=condition.needs_person,
        extra_where=extra_where,
    ).from_where()
    sql = (
        f"SELECT e.elements_chain, e.event, count(*) AS occurrences {from_where}"
        " GROUP BY e.elements_chain, e.event"
        # Ties are broken by chain and type so that pages never overlap or skip rows; byte order
        # ("C") because it only has to be stable, and it is much cheaper than the locale's.
        ' ORDER BY occurrences DESC, e.elements_chain COLLATE "C", e.event COLLATE "C"'
        " LIMIT %s OFFSET %s"
    )
    return sql, [*params, limit, offset]


def _run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run a read under the engine's statement timeout; bad user regexes become a 400."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL statement_timeout = %s", [settings.QUERY_STATEMENT_TIMEOUT_MS]
            )
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    except DataError as error:
        # Only a user's regex can be invalid here: every other value was validated before.
        if getattr(error.__cause__, "sqlstate", None) != INVALID_REGULAR_EXPRESSION:
            raise
        raise ValidationError({"properties": [f"Invalid regular expression: {error}"]}) from None
    except OperationalError as error:
        if "statement timeout" in str(error):
            raise QueryTimeout() from None
        raise


def element_stats(
    *,
    team: Team,
    event_types: list[str],
    date_from: datetime,
    date_to: datetime,
    properties: Filters,
    limit: int,
    offset: int,
    sampling_factor: float = 1.0,
    filter_test_accounts: bool = False,
) -> list[StatsRow]:
    """Up to ``limit`` rows from ``offset``; counts are scaled up by ``1/sampling_factor``."""
    sql, params = stats_sql(
        team=team,
        event_types=event_types,
        date_from=date_from,
        date_to=date_to,
        properties=properties,
        limit=limit,
        offset=offset,
        sampling_factor=sampling_factor,
        filter_test_accounts=filter_test_accounts,
    )
    return [
        StatsRow(chain=chain, event=event, count=int(occurrences / sampling_factor))
        for chain, event, occurrences in _run(sql, params)
    ]


def element_values(*, team: Team, key: str, value: str = "") -> list[str]:
    """The 100 most frequent values of ``key`` in recent autocapture chains.

    ``tag_name`` is the clicked element's tag; other keys take the first ``key="..."`` of the
    chain. ``value`` keeps only values containing it (case-sensitive, literal).
    """
    pattern = _TAG_VALUE if key == "tag_name" else _CHAIN_VALUE.format(key=key)
    # The newest events first, so the scan cap keeps the most relevant ones. The lateral
    # subquery (kept apart by OFFSET 0) runs the regex once per event, and `strpos` makes the
    # contains filter literal, so no user text ever reaches a regex.
    sql = (
        "SELECT value, count(*) AS occurrences FROM ("
        " SELECT extracted.value FROM posthog_api_event e"
        " CROSS JOIN LATERAL"
        " (SELECT substring(e.elements_chain from %s) AS value OFFSET 0) extracted"
        " WHERE e.team_id = %s AND e.event = '$autocapture' AND e.elements_chain <> ''"
        " AND extracted.value IS NOT NULL AND strpos(extracted.value, %s) > 0"
        " ORDER BY e.timestamp DESC LIMIT %s"
        ") matched GROUP BY value ORDER BY occurrences DESC, value LIMIT %s"
    )
    # Chain values are stored escaped, so the needle is escaped the same way.
    needle = value if key == "tag_name" else escape(value)
    params = [pattern, team.id, needle, VALUES_SCAN_LIMIT, VALUES_RESULT_LIMIT]
    return [unescape(row[0]) for row in _run(sql, params)]
