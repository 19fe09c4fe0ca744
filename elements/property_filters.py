"""Property filters for ``elements/stats/``: the query engine's compiler, errors under ``properties``.

Element stats and insights share one compiler, ``insights.queries.filters.FilterBuilder``, and so
one set of semantics (PostHog's). This module only adapts it to the endpoint::

    filters = parse_property_filters(raw)   # 400 {"properties": [...]} when malformed
    condition = compile_property_filters(filters, team=team, test_accounts=False)
    condition.sql, condition.params          # "%s" placeholders on ``posthog_api_event e``
    condition.needs_person                   # reads ``p``: join it as the engine's EventScope does

``raw`` is a flat list (AND) or one ``{"type": "AND"|"OR", "values": [...]}`` group whose values
are filters or further groups. The engine computes ``event``, ``person`` (the person a
distinct_id maps to now), ``event_metadata`` and ``element`` (``tag_name``, ``text``, ``href``)
filters; every other filter type (cohort, hogql, session, group, element ``selector``) is a 400
that says it is not supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError
from rest_framework.exceptions import ValidationError

from insights.queries import schema
from insights.queries.filters import TRUE
from insights.queries.filters import FilterBuilder
from posthog_api.models import Team

PARAM = "properties"

# Parsed filters: None (no filters), a flat list (AND) or one group.
Filters = list[Any] | schema.PropertyGroupFilterValue | None

# Pydantic error locations interleave union members (``EventPropertyFilter``, ``literal[...]``)
# with the input's keys; only list indexes and lowercase field names are the input's path.
_FIELD_NAME = re.compile(r"^[a-z_]+$")
_MAX_PATH_PARTS = 12


@dataclass(frozen=True)
class Condition:
    """A SQL condition on ``posthog_api_event e``, its bound parameters, and whether it reads ``p``."""

    sql: str
    params: list[Any]
    needs_person: bool


def _invalid(message: str) -> ValidationError:
    return ValidationError({PARAM: [message]})


def _describe(error: PydanticValidationError) -> str:
    """The first error, after the path of the filter it is in (when the path is short)."""
    first = error.errors(include_url=False)[0]
    path = [str(part) for part in first["loc"] if isinstance(part, int) or _FIELD_NAME.match(part)]
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(path)}: {message}" if 0 < len(path) <= _MAX_PATH_PARTS else message


def _first_message(detail: Any) -> str:
    while isinstance(detail, dict | list):
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)


def parse_property_filters(raw: Any) -> Filters:
    """JSON filters as the engine's schema models (None when there are none)."""
    if raw is None or raw == [] or raw == {}:
        return None
    try:
        if isinstance(raw, list):
            return schema.PROPERTY_FILTER_LIST.validate_python(raw)
        if isinstance(raw, dict):
            return schema.PropertyGroupFilterValue.model_validate(raw)
    except PydanticValidationError as error:
        raise _invalid(_describe(error)) from None
    raise _invalid("Properties must be a list of filters or a property group.")


def compile_property_filters(
    filters: Filters, *, team: Team, test_accounts: bool = False
) -> Condition:
    """The filters (AND the team's test-account filters) as one condition; none is ``TRUE``."""
    builder = FilterBuilder(
        tz=ZoneInfo(team.timezone or "UTC"),
        now=timezone.now(),
        week_start_day=team.week_start_day,
    )
    try:
        parts = [builder.build(filters)]
        if test_accounts:
            parts.append(builder.build_raw(team.test_account_filters))
    except ValidationError as error:
        # The engine files its errors under its own request body's ``query``.
        raise _invalid(_first_message(error.detail)) from None
    parts = [part for part in parts if part != TRUE] or [TRUE]
    return Condition(
        sql=" AND ".join(sql for sql, _ in parts),
        params=[param for _, params in parts for param in params],
        needs_person=builder.needs_person,
    )
