"""``/api/projects/<id>/elements/``: element CRUD, chain statistics and element values."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.utils.urls import replace_query_param

from elements.filters import ElementFilterSet
from elements.models import Element
from elements.selectors import element_list
from elements.selectors import element_stats
from elements.selectors import element_values
from elements.serializers import VALUES_UNLISTABLE_KEYS
from elements.serializers import ElementSerializer
from elements.serializers import ElementStatsQuerySerializer
from elements.serializers import ElementStatsResponseSerializer
from elements.serializers import ElementValueSerializer
from elements.serializers import ElementValuesQuerySerializer
from elements.services import element_create
from elements.services import element_delete
from elements.services import element_update
from posthog_api.elements_chain import ParsedChainMemo
from posthog_api.elements_chain import chain_hash
from posthog_api.elements_chain import data_attributes_matcher
from posthog_api.elements_chain import parse_chain_shared
from posthog_api.routing import TeamScopedViewSetMixin

STATS_CACHE_CONTROL = "public, max-age=30"
STATS_VARY = "Accept, Accept-Encoding, Query-String"


class ServerTiming:
    """Collects named durations for the ``Server-Timing`` header."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, float]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.entries.append((name, (time.perf_counter() - start) * 1000))

    def header(self) -> str:
        return ", ".join(f"{name};dur={duration:.1f}" for name, duration in self.entries)


# Parsed chains, shared by this process's stats requests (see ParsedChainMemo). Its bound is read
# from settings at each insert, not at import, so override_settings and tests see it.
PARSED_CHAINS = ParsedChainMemo(max_chars=lambda: settings.ELEMENT_CHAIN_MEMO_MAX_CHARS)


class ElementViewSet(TeamScopedViewSetMixin, viewsets.ModelViewSet[Element]):
    scope_object = "element"
    scope_object_read_actions = ["stats", "values"]
    serializer_class = ElementSerializer
    filterset_class = ElementFilterSet

    def get_queryset(self) -> QuerySet[Element]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no team
            return Element.objects.none()
        return element_list(team=self.team)

    def perform_create(self, serializer: BaseSerializer[Element]) -> None:
        serializer.instance = element_create(team=self.team, fields=dict(serializer.validated_data))

    def perform_update(self, serializer: BaseSerializer[Element]) -> None:
        assert serializer.instance is not None
        serializer.instance = element_update(
            element=serializer.instance, fields=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: Element) -> None:
        element_delete(element=instance)

    @extend_schema(
        parameters=[ElementStatsQuerySerializer],
        responses=ElementStatsResponseSerializer,
    )
    @action(methods=["GET"], detail=False, pagination_class=None, filter_backends=[])
    def stats(self, request: Request, **kwargs: Any) -> Response:
        """Counts of $autocapture, $rageclick and $dead_click events per element chain."""
        timing = ServerTiming()
        with timing("prepare_for_query"):
            params = ElementStatsQuerySerializer(
                data=request.query_params, context={"team": self.team}
            )
            params.is_valid(raise_exception=True)
            query = params.validated_data
            limit, offset = query["limit"], query["offset"]
        with timing("execute_query"):
            # One extra row tells whether a next page exists, without a count query.
            rows = element_stats(
                team=self.team,
                event_types=query["include"],
                date_from=query["date_from"],
                date_to=query["date_to"],
                properties=query["properties"],
                filter_test_accounts=query["filter_test_accounts"],
                limit=limit + 1,
                offset=offset,
                sampling_factor=query["sampling_factor"],
            )
        with timing("serialize_elements"):
            attributes_filter = data_attributes_matcher(query["data_attributes"])
            depth = query["max_element_chain_depth"]
            results = [
                {
                    "count": row.count,
                    "hash": chain_hash(row.chain),
                    "type": row.event,
                    "elements": parse_chain_shared(
                        row.chain,
                        PARSED_CHAINS,
                        attributes_filter=attributes_filter,
                        max_depth=depth,
                    ),
                }
                for row in rows[:limit]
            ]
        url = request.build_absolute_uri()
        response = Response(
            {
                "results": results,
                "next": replace_query_param(url, "offset", offset + limit)
                if len(rows) > limit
                else None,
                "previous": replace_query_param(url, "offset", offset - limit)
                if offset - limit >= 0
                else None,
            }
        )
        response["Cache-Control"] = STATS_CACHE_CONTROL
        response["Vary"] = STATS_VARY
        response["Server-Timing"] = timing.header()
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "key", str, required=True, enum=["attr_id", "href", "tag_name", "text"]
            ),
            OpenApiParameter("value", str, description="Case-sensitive contains filter"),
        ],
        responses=ElementValueSerializer(many=True),
    )
    @action(methods=["GET"], detail=False, pagination_class=None, filter_backends=[])
    def values(self, request: Request, **kwargs: Any) -> Response:
        """The 100 most frequent values of an element field in recent autocapture events."""
        params = ElementValuesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        key, value = params.validated_data["key"], params.validated_data["value"]
        if key in VALUES_UNLISTABLE_KEYS:
            return Response([])
        names = element_values(team=self.team, key=key, value=value)
        return Response([{"name": name} for name in names])
