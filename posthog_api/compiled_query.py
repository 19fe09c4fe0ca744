"""Compile an ORM query once per process and run it many times with new parameter values.

Django compiles a queryset to SQL on every evaluation; for a rich query (joins, subqueries,
JSON annotations) that compilation costs several times the database round trip. On a hot read
path whose query shape never changes (the insight detail read) we build the queryset once with
*placeholder* values, keep its SQL and parameter list, and substitute the real values by
position on each call. The SQL still comes from the ORM, so managers' filters and table names
stay in one place; only the values change.

A placeholder is a sentinel integer (or its text, for a text column) that must appear exactly once
among the compiled parameters (checked when compiling), so it cannot be confused with a constant
of the query.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Generic
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)

# Far outside any id or count this service stores.
_SENTINEL_BASE = -7_318_004_119_000


@dataclass(frozen=True)
class CompiledQuery(Generic[M]):
    model: type[M]
    sql: str
    params: tuple[Any, ...]
    positions: Mapping[str, int]

    @classmethod
    def build(
        cls, model: type[M], make: Callable[..., models.QuerySet[M]], *names: str
    ) -> CompiledQuery[M]:
        """``make(**{name: sentinel})`` returns the queryset; each name becomes a parameter."""
        sentinels = {name: _SENTINEL_BASE - index for index, name in enumerate(names)}
        sql, params = make(**sentinels).query.sql_with_params()
        positions: dict[str, int] = {}
        for name, sentinel in sentinels.items():
            found = [i for i, value in enumerate(params) if _is(value, sentinel)]
            if len(found) != 1:
                raise ValueError(f"parameter {name!r} appears {len(found)} times in {sql!r}")
            positions[name] = found[0]
        return cls(model=model, sql=sql, params=tuple(params), positions=positions)

    def bind(self, **values: Any) -> list[Any]:
        if values.keys() != self.positions.keys():
            raise TypeError(f"expected {sorted(self.positions)}, got {sorted(values)}")
        params = list(self.params)
        for name, value in values.items():
            position = self.positions[name]
            # Keep psycopg's wrapper (e.g. Int8) so the statement's types do not change.
            wrapper = type(params[position])
            params[position] = value if wrapper is int else wrapper(value)
        return params

    def fetch(self, **values: Any) -> list[M]:
        """The rows as model instances; extra selected columns become attributes, unconverted."""
        return list(self.model._default_manager.raw(self.sql, self.bind(**values)))


def _is(value: Any, sentinel: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return int(value) == sentinel
    return isinstance(value, str) and value == str(sentinel)
