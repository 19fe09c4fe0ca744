"""Property filters → SQL boolean expressions with bound parameters (posthog-queries.md §1.6).

Usage::

    builder = FilterBuilder(tz=ZoneInfo("UTC"), now=timezone.now(), week_start_day=0)
    sql, params = builder.build(query.properties)   # "TRUE" when empty
    builder.needs_person                            # a person property was referenced

The events table is aliased ``e`` and the current person row ``p`` (joined through
``posthog_api_persondistinctid pdi``). Property keys and values are always parameters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rest_framework.exceptions import ValidationError

from insights.queries import schema
from insights.queries.dates import parse_date
from posthog_api.elements_chain import escape as chain_escape

Fragment = tuple[str, list[Any]]
TRUE: Fragment = ("TRUE", [])

NUMERIC_RE = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
# NUMERIC_RE for text cast to ``numeric``, bounded so that the cast always fits (at most
# NUMERIC_CAST_MAX_CHARS characters; exponents up to e99999 and e-9999, far past a float,
# PostHog's number type): longer text reads as no number, like other non-numeric text, instead
# of failing the whole query with "value overflows numeric format".
NUMERIC_CAST_RE = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE](\+?0*[0-9]{1,5}|-0*[0-9]{1,4}))?\s*$"
NUMERIC_CAST_MAX_CHARS = 1000
# Text that PostgreSQL casts to timestamptz without an error: a real calendar day (month
# lengths, leap years; no year 0000), a time of day, and an offset of at most 15:59.
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_CALENDAR_DAY = (
    r"((?!0000)[0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
    rf"|{_LEAP_YEAR}-02-29)"
)
DATE_RE = (
    rf"^{_CALENDAR_DAY}"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?"
    r"(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?$"
)
NEGATIVE_OPERATORS = frozenset({"is_not", "not_icontains", "not_regex", "not_in"})
METADATA_COLUMNS = {
    "distinct_id": "e.distinct_id",
    "event": "e.event",
    "$session_id": "e.session_id",
    "session_id": "e.session_id",
    "timestamp": "to_char(e.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
}


class UnsupportedQuery(ValidationError):
    """A valid query using a feature this service does not compute yet (400 that says so)."""

    def __init__(self, what: str) -> None:
        super().__init__({"query": [f"{what} is not yet supported by this service."]})


def as_text(value: Any) -> str | None:
    """A filter value as the text ``properties ->> key`` gives for the same JSON value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return str(value)


def _values(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value]


class FilterBuilder:
    def __init__(self, *, tz: ZoneInfo, now: datetime, week_start_day: int | None) -> None:
        self.tz = tz
        self.now = now.astimezone(tz).replace(tzinfo=None)
        self.week_start_day = week_start_day
        self.needs_person = False

    # --- containers ---------------------------------------------------------------------------

    def build(self, filters: Any) -> Fragment:
        """Any ``properties`` value: None, a flat list (AND) or a property group."""
        if filters is None:
            return TRUE
        if isinstance(filters, schema.PropertyGroupFilter | schema.PropertyGroupFilterValue):
            return self._group(filters.type, filters.values)
        return self._group("AND", filters)

    def build_raw(self, filters: list[dict[str, Any]] | None) -> Fragment:
        """Filters stored as plain JSON (team test-account filters)."""
        if not filters:
            return TRUE
        try:
            parsed = schema.PROPERTY_FILTER_LIST.validate_python(filters)
        except PydanticValidationError:
            raise ValidationError(
                {"query": ["The project's test account filters are not valid property filters."]}
            ) from None
        return self._group("AND", parsed)

    def _group(self, kind: str, items: Sequence[Any]) -> Fragment:
        parts = [self._item(item) for item in items]
        parts = [part for part in parts if part != TRUE]
        if not parts:
            return TRUE
        joiner = " AND " if kind == "AND" else " OR "
        params: list[Any] = []
        for _, part_params in parts:
            params.extend(part_params)
        return "(" + joiner.join(sql for sql, _ in parts) + ")", params

    def _item(self, item: BaseModel) -> Fragment:
        if isinstance(item, schema.PropertyGroupFilterValue):
            return self._group(item.type, item.values)
        if isinstance(item, schema.EventPropertyFilter):
            return self._compare(("(e.properties ->> %s)", [item.key]), item.operator, item.value)
        if isinstance(item, schema.PersonPropertyFilter):
            self.needs_person = True
            return self._compare(("(p.properties ->> %s)", [item.key]), item.operator, item.value)
        if isinstance(item, schema.EventMetadataPropertyFilter):
            column = METADATA_COLUMNS.get(item.key)
            if column is None:
                raise UnsupportedQuery(f"The event_metadata property {item.key!r}")
            return self._compare((column, []), item.operator, item.value)
        if isinstance(item, schema.ElementPropertyFilter):
            return self._element(item)
        kind = getattr(item, "type", "unknown")
        raise UnsupportedQuery(f"Filtering on {kind} properties")

    # --- operators ----------------------------------------------------------------------------

    def _compare(self, target: Fragment, operator: str | None, value: Any) -> Fragment:
        op = operator or "exact"
        expr, expr_params = target
        if op == "is_set":
            return f"({expr} IS NOT NULL)", list(expr_params)
        if op == "is_not_set":
            return f"({expr} IS NULL)", list(expr_params)
        values = (
            [v for v in _values(value) if v is not None]
            if isinstance(value, list)
            else _values(value)
        )
        if isinstance(value, list) and not values:
            return TRUE
        if op in ("exact", "in"):
            texts = [as_text(v) for v in values]
            return f"({expr} = ANY(%s))", [*expr_params, texts]
        if op in ("is_not", "not_in"):
            texts = [as_text(v) for v in values]
            return f"({expr} IS NULL OR NOT ({expr} = ANY(%s)))", [
                *expr_params,
                *expr_params,
                texts,
            ]
        if op in ("icontains", "not_icontains", "regex", "not_regex"):
            return self._text_match(expr, expr_params, op, values)
        if op in ("gt", "gte", "lt", "lte", "min", "max", "between", "not_between"):
            return self._numeric(expr, expr_params, op, values)
        if op in ("is_date_exact", "is_date_before", "is_date_after"):
            return self._date(expr, expr_params, op, values)
        raise UnsupportedQuery(f"The {op!r} operator")

    def _text_match(
        self, expr: str, expr_params: list[Any], op: str, values: list[Any]
    ) -> Fragment:
        positive = op in ("icontains", "regex")
        test = f"{expr} ILIKE %s" if "icontains" in op else f"{expr} ~ %s"
        parts: list[str] = []
        params: list[Any] = []
        for raw in values:
            text = as_text(raw) or ""
            if "regex" in op:
                _check_regex(text)
            needle = f"%{text}%" if "icontains" in op else text
            if positive:
                parts.append(f"({test})")
                params.extend([*expr_params, needle])
            else:
                parts.append(f"({expr} IS NULL OR NOT ({test}))")
                params.extend([*expr_params, *expr_params, needle])
        return "(" + (" OR " if positive else " AND ").join(parts) + ")", params

    def _numeric(self, expr: str, expr_params: list[Any], op: str, values: list[Any]) -> Fragment:
        number = (
            f"(CASE WHEN length({expr}) <= {NUMERIC_CAST_MAX_CHARS} AND {expr} ~ %s"
            f" THEN ({expr})::numeric END)"
        )
        number_params = [*expr_params, *expr_params, NUMERIC_CAST_RE, *expr_params]
        # Bounds are numeric too: an infinite or NaN bound is sent as a float8, and comparing
        # with a float8 would cast every huge numeric to float8 (an overflow error).
        if op in ("between", "not_between"):
            if len(values) != 2:
                raise ValidationError({"query": [f"The {op} operator needs a [min, max] value."]})
            low, high = (_number(v) for v in values)
            sql = f"({number} BETWEEN %s::numeric AND %s::numeric)"
            if op == "not_between":
                sql = f"({number} NOT BETWEEN %s::numeric AND %s::numeric)"
            return sql, [*number_params, low, high]
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "min": ">=", "max": "<="}[op]
        parts = [f"({number} {symbol} %s::numeric)" for _ in values]
        params: list[Any] = []
        for raw in values:
            params.extend([*number_params, _number(raw)])
        return "(" + " OR ".join(parts) + ")", params

    def _date(self, expr: str, expr_params: list[Any], op: str, values: list[Any]) -> Fragment:
        moment = f"(CASE WHEN {expr} ~ %s THEN ({expr})::timestamptz END)"
        symbol = {"is_date_exact": "=", "is_date_before": "<", "is_date_after": ">"}[op]
        parts = []
        params: list[Any] = []
        for raw in values:
            parsed = parse_date(
                str(raw), now=self.now, tz=self.tz, week_start_day=self.week_start_day
            )
            parts.append(f"({moment} {symbol} %s)")
            params.extend(
                [*expr_params, DATE_RE, *expr_params, parsed.value.replace(tzinfo=self.tz)]
            )
        return "(" + " OR ".join(parts) + ")", params

    # --- elements -----------------------------------------------------------------------------

    def _element(self, item: schema.ElementPropertyFilter) -> Fragment:
        op = item.operator or "exact"
        values = [as_text(v) or "" for v in _values(item.value)]
        if item.key == "tag_name":
            if op not in ("exact", "is_not"):
                raise ValidationError(
                    {"query": ["Element tag_name filters support exact and is_not only."]}
                )
            patterns = [f"(^|;){re.escape(v)}(\\.|:|;|$)" for v in values]
            if not patterns:
                return TRUE
            sql = "(" + " OR ".join("e.elements_chain ~ %s" for _ in patterns) + ")"
            return (f"(NOT {sql})" if op == "is_not" else sql), patterns
        # A chain holds text and href escaped (posthog_api.elements_chain.escape): a filter value is written
        # the same way before it is compared. ``in``/``not_in`` read as ``exact``/``is_not``.
        chain_op: str = ELEMENT_SYNONYMS.get(op, op)
        value = _in_chain_form(item.value, chain_op)
        if item.key == "href":
            href = ("substring(e.elements_chain from %s)", [_attribute_pattern("href")])
            return self._compare(href, chain_op, value)
        if item.key == "text":
            inner_sql, inner_params = self._compare(("m.t[1]", []), _positive(chain_op), value)
            exists = (
                "EXISTS (SELECT 1 FROM regexp_matches(e.elements_chain, %s, 'g') AS m(t)"
                f" WHERE {inner_sql})"
            )
            params = [_attribute_pattern("text"), *inner_params]
            return (
                f"(NOT {exists})"
                if chain_op in NEGATIVE_OPERATORS or chain_op.startswith("not_")
                else exists
            ), params
        raise UnsupportedQuery("Element selector filters")


def _attribute_pattern(name: str) -> str:
    """``name="value"`` in a chain; the value stops at the first unescaped quote."""
    return '(?::|")' + name + r'="((?:[^"\\]|\\.)*)"'


def _positive(op: str) -> str:
    return {
        "is_not": "exact",
        "not_icontains": "icontains",
        "not_regex": "regex",
        "not_in": "in",
    }.get(op, op)


ELEMENT_SYNONYMS = {"in": "exact", "not_in": "is_not"}


def _in_chain_form(value: Any, op: str) -> Any:
    """Element text/href filter values as the chain stores them; regexes are written against
    the chain already. For ``icontains`` the chain's backslashes are doubled again, since ILIKE
    reads a backslash as its escape character (``%`` and ``_`` stay wildcards, as in PostHog)."""
    transform: Callable[[str], str]
    if op in ("exact", "is_not"):
        transform = chain_escape
    elif op in ("icontains", "not_icontains"):
        transform = _like_chain_text
    else:
        return value
    if isinstance(value, list):
        return [transform(item) if isinstance(item, str) else item for item in value]
    return transform(value) if isinstance(value, str) else value


def _like_chain_text(text: str) -> str:
    return chain_escape(text).replace("\\", "\\\\")


def _number(raw: Any) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ValidationError({"query": [f"{raw!r} is not a number."]}) from None


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error:
        raise ValidationError({"query": [f"Invalid regular expression: {pattern!r}."]}) from None
