"""Page/limit pagination for activity: ``{results, next, previous, total_count}``.

Other apps (the insights activity actions) page their activity with ``activity_page`` from here:
apps never import each other's views.

PostHog parses ``page`` and ``limit`` with a bare ``int()`` and lets Django's ``EmptyPage`` escape
as a 500; here a non-integer, a value below 1 or a page past the end is a 400 naming the parameter.
A DRF pagination class so that the OpenAPI schema describes the page and its parameters; the
activity actions call ``paginate`` and ``response`` themselves.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from activity.models import ActivityLog
from activity.serializers import ActivityLogSerializer
from posthog_api.pagination import int_query_param

DEFAULT_LIMIT = 10


class ActivityPagePagination(pagination.BasePagination):
    request: Request
    limit: int
    page: int

    def paginate(self, request: Request, queryset: QuerySet[Any]) -> tuple[list[Any], int]:
        """The requested page of ``queryset`` and the total row count."""
        self.request = request
        self.limit = min(
            int_query_param(request, "limit", DEFAULT_LIMIT, minimum=1),
            int(settings.PAGINATION_MAX_LIMIT),
        )
        self.page = int_query_param(request, "page", 1, minimum=1)
        total = queryset.count()
        last_page = max(1, -(-total // self.limit))
        if self.page > last_page:
            raise ValidationError(
                {"page": [f"Page {self.page} is past the last page ({last_page})."]}
            )
        start = (self.page - 1) * self.limit
        return list(queryset[start : start + self.limit]), total

    def _link(self, page: int) -> str:
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, "page", page)
        return replace_query_param(url, "limit", self.limit)

    def response(self, results: list[Any], total: int) -> Response:
        has_next = self.page * self.limit < total
        return Response(
            {
                "results": results,
                "next": self._link(self.page + 1) if has_next else None,
                "previous": self._link(self.page - 1) if self.page > 1 else None,
                "total_count": total,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next", "previous", "total_count"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "total_count": {"type": "integer"},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Rows per page (default {DEFAULT_LIMIT}).",
                "schema": {"type": "integer"},
            },
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "1-based page number.",
                "schema": {"type": "integer"},
            },
        ]


def activity_page(request: Request, queryset: QuerySet[ActivityLog]) -> Response:
    """One page of ``queryset`` as ``{results, next, previous, total_count}``."""
    paginator = ActivityPagePagination()
    rows, total = paginator.paginate(request, queryset)
    return paginator.response(list(ActivityLogSerializer(rows, many=True).data), total)
