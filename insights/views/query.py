"""``POST /api/projects/<id>/query/`` runs a query; ``GET .../query/<query_id>/`` polls a status.

PostHog guards both with the ``query:read`` scope (running a query changes nothing).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from coalescing.mixins import QueryCoalescingMixin
from insights.params import refresh_source
from insights.queries.enqueue import current_status
from insights.queries.execution import run_query
from insights.queries.modes import ExecutionMode
from insights.queries.modes import execution_mode
from insights.serializers.query import QueryRequestSerializer
from posthog_api.routing import KEY_IN_PATH
from posthog_api.routing import TeamScopedViewSetMixin


class QueryViewSet(QueryCoalescingMixin, TeamScopedViewSetMixin, viewsets.ViewSet):
    scope_object = "query"
    # Identical concurrent queries compute once (coalescing/).
    coalesce_actions = frozenset({"create"})
    required_scopes = ["query:read"]
    lookup_field = "query_id"
    lookup_value_regex = KEY_IN_PATH

    @classmethod
    def reuses_finished_answers(cls, request: HttpRequest, action: str) -> bool:
        """A ``force_blocking`` query computes whatever the cache holds: one that queued while an
        identical one computed takes that answer (README "late followers"), as insight
        retrieves do. Read from the raw request: this runs in the middleware, before DRF."""
        if action != "create":
            return False
        refresh = request.GET.get("refresh")
        if refresh is None:
            try:
                body = orjson.loads(request.body or b"{}")
            except orjson.JSONDecodeError:
                return False
            refresh = body.get("refresh") if isinstance(body, dict) else None
        if refresh is None:
            return False
        try:
            return execution_mode(refresh) == ExecutionMode.CALCULATE_BLOCKING_ALWAYS
        except ValidationError:
            return False

    @extend_schema(
        request=QueryRequestSerializer,
        responses={200: OpenApiResponse(description="Query response")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = QueryRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # The query string wins over the body, as on the insight endpoints; absent means blocking.
        refresh = execution_mode(
            refresh_source(request).get("refresh"),
            default=ExecutionMode.RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE,
        )
        response = run_query(
            team=self.team,
            query=data["query"],
            refresh=refresh,
            client_query_id=data.get("client_query_id") or None,
            user=request.user,
            filters_override=data.get("filters_override"),
            variables_override=data.get("variables_override"),
        )
        return Response(response)

    @extend_schema(responses={200: OpenApiResponse(description="{query_status}")})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        status = current_status(team_id=self.team.pk, query_id=str(kwargs["query_id"]))
        if status is None:
            raise NotFound("Query not found.")
        return Response({"query_status": status.as_json()})
