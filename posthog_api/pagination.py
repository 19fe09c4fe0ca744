"""Limit/offset pagination with validated parameters and a capped page size."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def non_negative_int_param(request: Request, name: str, default: int | None) -> int | None:
    """A query parameter that must be a non-negative integer; a bad value is a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"A valid integer is required, got {raw!r}."]}) from None
    if value < 0:
        raise ValidationError({name: ["Ensure this value is greater than or equal to 0."]})
    return value


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``{count, next, previous, results}``; default 100, a ``limit`` over the maximum is capped."""

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return int(settings.PAGINATION_MAX_LIMIT)

    def get_limit(self, request: Request) -> int:
        limit = non_negative_int_param(request, self.limit_query_param, self.default_limit)
        assert limit is not None
        if limit == 0:
            limit = self.default_limit or 100
        return min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        offset = non_negative_int_param(request, self.offset_query_param, 0)
        return offset or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return super().get_schema_operation_parameters(view)
