"""SQL fragments shared by the runners: event scope, actor, bucket and property expressions.

Everything user-supplied (event names, property keys, values, timezone names, bounds) is passed
as a bound parameter; only fixed fragments chosen from code are concatenated.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from insights.queries import schema
from insights.queries.filters import TRUE
from insights.queries.filters import FilterBuilder
from insights.queries.filters import Fragment
from insights.queries.filters import UnsupportedQuery

NULL_LABEL = "$$_posthog_breakdown_null_$$"
OTHER_LABEL = "$$_posthog_breakdown_other_$$"

# The actor of an event: its distinct_id's current person (merges apply to old events); an
# event without a person row counts as one actor per distinct_id.
ACTOR = "COALESCE(pdi.person_id::text, 'd:' || e.distinct_id)"


def local_ts(tz_name: str, column: str = "e.timestamp") -> Fragment:
    return f"({column} AT TIME ZONE %s)", [tz_name]


def bucket_expr(
    interval: str, tz_name: str, week_start_day: int | None, column: str = "e.timestamp"
) -> Fragment:
    """The local start of the column's interval bucket (a ``timestamp without time zone``)."""
    local, params = local_ts(tz_name, column)
    if interval == "week":
        if week_start_day == 1:
            return f"date_trunc('week', {local})", params
        return f"(date_trunc('week', {local} + interval '1 day') - interval '1 day')", params
    unit = {"minute": "minute", "hour": "hour", "day": "day", "month": "month"}[interval]
    return f"date_trunc('{unit}', {local})", params


def property_text(key: str, property_type: str | None, builder: FilterBuilder) -> Fragment:
    if property_type in ("person", "person_properties"):
        builder.needs_person = True
        return "(p.properties ->> %s)", [key]
    if property_type in (None, "event", "event_properties"):
        return "(e.properties ->> %s)", [key]
    raise UnsupportedQuery(f"Properties of type {property_type!r}")


def property_number(key: str, property_type: str | None, builder: FilterBuilder) -> Fragment:
    """The property as a double precision number (``to_float``): NULL unless it is one.

    A JSON number, or a string of one (``"12.5"``, ``" 7 "``), counts; anything else is ignored
    like a missing value, and so is a number a double cannot hold (``1e400``, a 400-digit
    integer, ``"1e-400"``): jsonpath's ``.double()`` in silent mode gives no value instead of
    failing the whole query with "out of range for type double precision". One read of the
    property per row, where a regex test before a cast needs two. (PostgreSQL also reads a hex
    string such as ``"0x10"`` as a number.)
    """
    if property_type in ("person", "person_properties"):
        builder.needs_person = True
        value = "(p.properties -> %s)"
    elif property_type in (None, "event", "event_properties"):
        value = "(e.properties -> %s)"
    else:
        raise UnsupportedQuery(f"Properties of type {property_type!r}")
    # strict: an array is not unwrapped into its first element.
    return f"(jsonb_path_query_first({value}, 'strict $.double()', '{{}}', true))::float8", [key]


@dataclass
class EventScope:
    """FROM/WHERE of one series over one time window, with optional person joins."""

    team_id: int
    event: str | None
    ts_from: datetime
    ts_to: datetime
    conditions: list[Fragment] = field(default_factory=list)
    needs_actor: bool = False
    needs_person: bool = False
    extra_where: list[Fragment] = field(default_factory=list)

    def from_where(self) -> Fragment:
        joins = ""
        if self.needs_actor or self.needs_person:
            joins += (
                " LEFT JOIN posthog_api_persondistinctid pdi"
                " ON pdi.team_id = e.team_id AND pdi.distinct_id = e.distinct_id"
            )
        if self.needs_person:
            joins += " LEFT JOIN posthog_api_person p ON p.id = pdi.person_id"
        where = ["e.team_id = %s", "e.timestamp >= %s", "e.timestamp <= %s"]
        params: list[Any] = [self.team_id, self.ts_from, self.ts_to]
        if self.event is not None:
            where.append("e.event = %s")
            params.append(self.event)
        for sql, extra in [*self.conditions, *self.extra_where]:
            if (sql, extra) == TRUE:
                continue
            where.append(sql)
            params.extend(extra)
        return f"FROM posthog_api_event e{joins} WHERE " + " AND ".join(where), params


def series_conditions(
    *,
    builder: FilterBuilder,
    query_properties: Any,
    series: schema.EventsNode,
    test_account_filters: list[dict[str, Any]] | None,
) -> list[Fragment]:
    """Query-level, series-level and test-account filters of one series."""
    return [
        builder.build(query_properties),
        builder.build(series.properties),
        builder.build(series.fixedProperties),
        builder.build_raw(test_account_filters),
    ]


def events_series(series: Any) -> schema.EventsNode:
    """The series as an EventsNode, or a 400 naming what is not supported yet."""
    if isinstance(series, schema.ActionsNode):
        raise UnsupportedQuery("ActionsNode series (actions)")
    if not isinstance(series, schema.EventsNode):
        raise UnsupportedQuery(f"{getattr(series, 'kind', 'This')} series")
    return series


def series_label(series: schema.EventsNode) -> str:
    return series.name or series.event or "All events"
