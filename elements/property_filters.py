"""Property filters (PostHog's filter JSON) compiled to a SQL condition on ``posthog_api_event e``.

A small, self-contained builder for the filters ``elements/stats/`` needs, kept behind one
function so the query engine's builder (``insights.queries.filters.FilterBuilder``) can replace
it: parse the filters with the engine's pydantic schema, join ``posthog_api_persondistinctid`` /
``posthog_api_person`` as ``p`` when the engine reports ``needs_person``, and map its error
``attr`` from ``query`` to ``properties``. Until then::

    condition = compile_property_filters(filters)   # raises ValidationError({"properties": ...})
    sql, params = condition.sql, condition.params   # "%s" placeholders, for a Django cursor

``filters`` is a flat list (AND) or a ``{"type": "AND"|"OR", "values": [...]}`` group, nested
freely. Supported filter types: ``event``, ``person`` (the person a distinct_id maps to now),
``event_metadata`` (``distinct_id``, ``event``, ``session_id``) and ``element`` (``tag_name``,
``text``, ``href``). A property is read as text (JSON null or missing is NULL); the negative
operators match a missing property, as in PostHog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from rest_framework.exceptions import ValidationError

from elements.chain import escape

PARAM = "properties"

_PERSON_PROPERTIES = (
    "(SELECT p.properties FROM posthog_api_persondistinctid pdi"
    " JOIN posthog_api_person p ON p.id = pdi.person_id"
    " WHERE pdi.team_id = e.team_id AND pdi.distinct_id = e.distinct_id)"
)
_METADATA_COLUMNS = {
    "distinct_id": "e.distinct_id",
    "event": "e.event",
    "session_id": "e.session_id",
}
# Values in a chain are written `key="..."` with `\"` escapes; the capture is the escaped value.
_CHAIN_VALUE = r'(?:^|[:"]){key}="((?:[^"\\]|\\.)*)"'
# Exponents are capped so that a cast can never overflow PostgreSQL's numeric type.
_NUMERIC = r"^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?\s*$"

_POSITIVE = {"exact", "icontains", "regex", "gt", "gte", "lt", "lte"}
_NEGATIVE = {"is_not": "exact", "not_icontains": "icontains", "not_regex": "regex"}
_COMPARISONS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
OPERATORS = sorted({*_POSITIVE, *_NEGATIVE, "is_set", "is_not_set", "between", "not_between"})


@dataclass
class Condition:
    """A SQL fragment and its bound parameters, in placeholder order."""

    sql: str = "TRUE"
    params: list[Any] = field(default_factory=list)


def _sql(*parts: str | Condition) -> Condition:
    """Concatenate literal SQL (no placeholders) and fragments, keeping parameter order."""
    sql, params = "", []
    for part in parts:
        if isinstance(part, Condition):
            sql += part.sql
            params += part.params
        else:
            sql += part
    return Condition(sql, params)


def _param(value: Any) -> Condition:
    return Condition("%s", [value])


def _fail(message: str) -> ValidationError:
    return ValidationError({PARAM: [message]})


def _as_text(value: Any) -> str:
    """A filter value as the text a JSON property reads as (``5``, ``true``, ``Chrome``)."""
    return value if isinstance(value, str) else json.dumps(value)


def _as_number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _fail(f"{value!r} is not a number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _fail(f"{value!r} is not a number.")
    return number


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _like_contains(value: str) -> str:
    # A contains filter means the literal text: LIKE's own wildcards are escaped.
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _identity(value: str) -> str:
    return value


def _numeric(expr: Condition) -> Condition:
    """The expression as a number, NULL when its text is not numeric (never a cast error)."""
    return _sql("(CASE WHEN ", expr, " ~ ", _param(_NUMERIC), " THEN (", expr, ")::numeric END)")


def _positive(
    operator: str, expr: Condition, value: Any, transform: Callable[[str], str]
) -> Condition:
    """``expr`` satisfies a positive operator for any of the filter's values."""
    values = _values(value)
    if not values:
        return Condition()
    if operator == "exact":
        return _sql(expr, " = ANY(", _param([transform(_as_text(v)) for v in values]), ")")
    if operator == "icontains":
        patterns = [_like_contains(transform(_as_text(v))) for v in values]
        return _sql(expr, " ILIKE ANY(", _param(patterns), ")")
    if operator == "regex":
        # User regexes are passed through verbatim; an invalid one is a 400 at execution.
        return _sql(expr, " ~ ANY(", _param([_as_text(v) for v in values]), ")")
    comparison = _COMPARISONS[operator]
    parts: list[str | Condition] = ["("]
    for index, item in enumerate(values):
        if index:
            parts.append(" OR ")
        parts += [_numeric(expr), f" {comparison} ", _param(_as_number(item))]
    parts.append(")")
    return _sql(*parts)


def _between(operator: str, expr: Condition, value: Any) -> Condition:
    if not isinstance(value, list) or len(value) != 2:
        raise _fail(f"{operator} needs a [min, max] value.")
    low, high = _param(_as_number(value[0])), _param(_as_number(value[1]))
    inside = _sql(_numeric(expr), " BETWEEN ", low, " AND ", high)
    if operator == "between":
        return inside
    return _sql("coalesce(NOT (", inside, "), false)")


def _on_text(
    operator: str, expr: Condition, value: Any, transform: Callable[[str], str] = _identity
) -> Condition:
    """A filter on one nullable text expression."""
    if operator == "is_set":
        return _sql(expr, " IS NOT NULL")
    if operator == "is_not_set":
        return _sql(expr, " IS NULL")
    if operator in ("between", "not_between"):
        return _between(operator, expr, value)
    if operator in _NEGATIVE:
        inner = _positive(_NEGATIVE[operator], expr, value, transform)
        return _sql("coalesce(NOT (", inner, "), true)")
    return _positive(operator, expr, value, transform)


def _element(key: str, operator: str, value: Any) -> Condition:
    if key == "tag_name":
        if operator not in ("exact", "is_not"):
            raise _fail("Element tag_name filters support only the exact and is_not operators.")
        patterns = [
            "(^|;)" + _regex_literal(_as_text(tag)) + r"(\.|:|;|$)" for tag in _values(value)
        ]
        if not patterns:
            return Condition()
        match = _sql("e.elements_chain ~ ANY(", _param(patterns), ")")
        return match if operator == "exact" else _sql("NOT (", match, ")")
    if key == "href":
        # The first href="..." of the chain, compared in its escaped form.
        expr = _sql(
            "substring(e.elements_chain from ", _param(_CHAIN_VALUE.format(key="href")), ")"
        )
        return _on_text(operator, expr, value, escape)
    if key == "text":
        # True when any text="..." in the chain satisfies the operator; a negative operator
        # means that no text satisfies its positive form.
        positive = _NEGATIVE.get(operator, operator)
        if positive not in _POSITIVE:
            raise _fail(f"Element text filters do not support the {operator} operator.")
        inner = _positive(positive, Condition("m.value[1]"), value, escape)
        exists = _sql(
            "EXISTS (SELECT 1 FROM regexp_matches(e.elements_chain, ",
            _param(_CHAIN_VALUE.format(key="text")),
            ", 'g') AS m(value) WHERE ",
            inner,
            ")",
        )
        return _sql("NOT ", exists) if operator in _NEGATIVE else exists
    raise _fail(f"Element filters support the keys tag_name, text and href, not {key!r}.")


def _regex_literal(value: str) -> str:
    # In PostgreSQL regexes a backslash before a non-alphanumeric character makes it literal.
    return re.sub(r"([^A-Za-z0-9])", r"\\\1", value)


def _filter(item: Any) -> Condition:
    if not isinstance(item, dict):
        raise _fail("Each property filter must be an object.")
    if "values" in item:
        return _group(item)
    kind = item.get("type", "event")
    key = item.get("key")
    operator = item.get("operator") or "exact"
    value = item.get("value")
    if not isinstance(key, str) or not key:
        raise _fail("Each property filter needs a key.")
    if operator not in OPERATORS:
        raise _fail(f"Unsupported operator {operator!r}; use one of {', '.join(OPERATORS)}.")
    if kind == "event":
        return _on_text(operator, _sql("(e.properties ->> ", _param(key), ")"), value)
    if kind == "person":
        expr = _sql("(", _PERSON_PROPERTIES, " ->> ", _param(key), ")")
        return _on_text(operator, expr, value)
    if kind == "event_metadata":
        column = _METADATA_COLUMNS.get(key)
        if column is None:
            raise _fail(f"event_metadata filters support {', '.join(sorted(_METADATA_COLUMNS))}.")
        return _on_text(operator, Condition(column), value)
    if kind == "element":
        return _element(key, operator, value)
    raise _fail(f"Property filters of type {kind!r} are not supported here.")


def _group(group: Any) -> Condition:
    if not isinstance(group, dict):
        return _and(group)
    joiner = str(group.get("type", "AND")).upper()
    if joiner not in ("AND", "OR"):
        raise _fail("A property group's type must be AND or OR.")
    values = group.get("values")
    if not isinstance(values, list):
        raise _fail("A property group's values must be a list.")
    parts = [_filter(item) for item in values]
    if not parts:
        return Condition()
    pieces: list[str | Condition] = ["("]
    for index, part in enumerate(parts):
        pieces += [f" {joiner} " if index else "", part]
    return _sql(*pieces, ")")


def _and(items: Any) -> Condition:
    if not isinstance(items, list):
        raise _fail("Properties must be a list of filters or a property group.")
    return _group({"type": "AND", "values": items})


def compile_property_filters(filters: Any) -> Condition:
    """The SQL condition for a list of filters or a property group; [] or None is TRUE."""
    if filters is None or filters == [] or filters == {}:
        return Condition()
    return _group(filters)
