"""Limit/offset pagination with validated parameters and a capped page size."""

from __future__ import annotations

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from posthog_api.json_values import INT64_MAX


def int_query_param(request: Request, name: str, default: int, *, minimum: int = 0) -> int:
    """An integer query parameter of at least ``minimum``; a bad value is a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"A valid integer is required, got {raw!r}."]}) from None
    if value < minimum:
        raise ValidationError({name: [f"Ensure this value is greater than or equal to {minimum}."]})
    if value > INT64_MAX:
        # PostgreSQL's OFFSET and LIMIT are bigints.
        raise ValidationError({name: [f"Ensure this value is less than or equal to {INT64_MAX}."]})
    return value


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``{count, next, previous, results}``; default 100, a ``limit`` over the maximum is capped."""

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return int(settings.PAGINATION_MAX_LIMIT)

    def get_limit(self, request: Request) -> int:
        limit = int_query_param(request, self.limit_query_param, self.default_limit or 100)
        if limit == 0:
            limit = self.default_limit or 100
        return min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return int_query_param(request, self.offset_query_param, 0)
