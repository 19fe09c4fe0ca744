"""Reject JSON values PostgreSQL or orjson cannot hold, with a 400 naming the path.

A JSON body may carry NUL characters or lone surrogates (PostgreSQL refuses both in text and
jsonb) and numbers past 64 bits (orjson refuses such integers when hashing or rendering, and
jsonb hands a float like 1e20 back as an integer). Free-form JSON fields (a query, legacy
``filters``, dashboard ``filters``/``variables``) are checked with ``check_storable``; parsed
query parameters (every FilterSet's and query-parameter serializer's, through their shared base
classes) with ``check_storable_params``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ErrorDetail
from rest_framework.exceptions import ValidationError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def _text_problem(text: str) -> tuple[str, str] | None:
    if "\x00" in text:
        return ("Null characters are not allowed.", "null_characters_not_allowed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return ("Surrogate characters are not allowed.", "surrogate_characters_not_allowed")
    return None


def check_storable(value: Any, *, root: str | None = None) -> None:
    """Raise a ValidationError nested like the input (under ``root``) at the first bad value."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, (root,) if root else ())]
    while stack:
        item, path = stack.pop()
        problem: tuple[str, str] | None = None
        if isinstance(item, str):
            problem = _text_problem(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            if not INT64_MIN <= item <= INT64_MAX:
                problem = (f"Ensure this number is between {INT64_MIN} and {INT64_MAX}.", "invalid")
        elif isinstance(item, dict):
            children: list[tuple[Any, tuple[str, ...]]] = []
            for key, child in item.items():
                if _text_problem(str(key)) is not None:
                    # The key itself is the problem: report it at its object's path.
                    children = [(str(key), path)]
                    break
                children.append((child, (*path, str(key))))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend((child, (*path, str(i))) for i, child in reversed(list(enumerate(item))))
        if problem is not None:
            detail: Any = [problem[0]]
            for part in reversed(path):
                detail = {part: detail}
            raise ValidationError(detail, code=problem[1])


def unstorable_param(values: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The first parameter whose parsed value PostgreSQL cannot store or compare (a JSON list
    item with a NUL, an integer past bigint, ...), as ``(name, message, code)``."""
    for name, value in values.items():
        try:
            check_storable(value)
        except ValidationError as exc:
            return (name, *_first_message(exc.detail))
    return None


def check_storable_params(values: Mapping[str, Any]) -> None:
    """Raise a ValidationError named by the first unstorable parameter (``unstorable_param``)."""
    problem = unstorable_param(values)
    if problem is not None:
        name, message, code = problem
        raise ValidationError({name: [ErrorDetail(message, code=code)]})


def _first_message(detail: Any) -> tuple[str, str]:
    while isinstance(detail, dict | list):
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail), str(getattr(detail, "code", "invalid"))
