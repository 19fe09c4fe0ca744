"""``insights/``: CRUD (soft delete only), activity, views, trending, metadata and cancel.

Insights are project-wide: every environment of a project lists and edits the same insights,
while views (``viewed``, ``my_last_viewed``, trending viewers) and activity belong to the URL's
environment.
"""

from __future__ import annotations

from typing import Any
from typing import cast

from django.db.models import QuerySet
from django.http import HttpRequest
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from activity.pagination import ActivityPagePagination
from activity.pagination import activity_page
from activity.selectors import activity_list
from activity.serializers import ActivityLogSerializer
from coalescing.mixins import QueryCoalescingMixin
from insights.filters import InsightFilterBackend
from insights.filters import InsightFilterSet
from insights.metadata import generate_insight_metadata
from insights.models import Insight
from insights.params import InsightListParamsSerializer
from insights.params import InsightRetrieveParamsSerializer
from insights.params import TrendingParamsSerializer
from insights.params import WriteParamsSerializer
from insights.params import is_restore
from insights.params import refresh_source
from insights.queries.modes import DEFAULT_MODE
from insights.queries.modes import ExecutionMode
from insights.queries.modes import execution_mode
from insights.renderers import CSVRenderer
from insights.selectors import dashboard_tile_get
from insights.selectors import insight_get
from insights.selectors import insight_list
from insights.selectors import my_last_viewed
from insights.selectors import trending_insights
from insights.serializers import CancelSerializer
from insights.serializers import GenerateMetadataSerializer
from insights.serializers import InsightBasicSerializer
from insights.serializers import InsightMetadataSerializer
from insights.serializers import InsightSerializer
from insights.serializers import TrendingInsightSerializer
from insights.serializers import ViewedSerializer
from insights.services import insight_create
from insights.services import insight_update
from insights.services import insights_viewed_record
from insights.services.insights import SCOPE as ACTIVITY_SCOPE
from insights.services.results import insight_results
from insights.services.results import page_results
from posthog_api.models import User
from posthog_api.routing import KEY_IN_PATH
from posthog_api.routing import TeamScopedViewSetMixin

ACTIVITY_SCOPES = ["activity_log:read"]


class InsightAutoSchema(AutoSchema):
    def get_operation_id(self) -> str:
        """``insights/activity/`` and ``insights/{id}/activity/`` would share an operation id."""
        operation_id = str(super().get_operation_id())
        if getattr(self.view, "action", None) == "all_activity":
            return operation_id.replace("_activity_", "_all_activity_")
        return operation_id


class InsightViewSet(QueryCoalescingMixin, TeamScopedViewSetMixin, viewsets.ModelViewSet[Insight]):
    scope_object = "insight"
    # Identical concurrent retrieves compute once (coalescing/); each caller's own access level.
    coalesce_actions = frozenset({"retrieve"})
    coalesce_caller_fields = ("user_access_level", "effective_privilege_level")
    # Deliberately scoped: PostHog refuses every scoped key on cancel and my_last_viewed.
    scope_object_read_actions = ["trending", "viewed", "my_last_viewed", "cancel"]
    scope_object_write_actions = ["generate_metadata"]
    # Set per action by @action(required_scopes=...) (the activity actions).
    required_scopes: list[str] | None = None
    queryset = Insight.objects.none()  # for the schema generator; get_queryset scopes by team
    schema = InsightAutoSchema()
    serializer_class = InsightSerializer
    filter_backends = [InsightFilterBackend]
    filterset_class = InsightFilterSet
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]  # type: ignore[list-item]
    lookup_value_regex = KEY_IN_PATH

    @classmethod
    def coalesces(cls, request: HttpRequest, action: str) -> bool:
        """A retrieve in ``force_cache`` mode (the default) only reads the result cache: it never
        computes, so it skips the coalescing lock, heartbeat and stored answer. So does a bad
        ``refresh``, which is a 400."""
        if action != "retrieve":
            return True
        try:
            refresh = execution_mode(request.GET.get("refresh"))
        except ValidationError:
            return False
        return refresh != ExecutionMode.CACHE_ONLY_NEVER_CALCULATE

    @classmethod
    def reuses_finished_answers(cls, request: HttpRequest, action: str) -> bool:
        """A ``force_blocking`` retrieve computes whatever the cache holds: one that queued while
        an identical one computed takes that answer (README "late followers")."""
        if action != "retrieve":
            return False
        try:
            refresh = execution_mode(request.GET.get("refresh"))
        except ValidationError:
            return False
        return refresh == ExecutionMode.CALCULATE_BLOCKING_ALWAYS

    @property
    def user(self) -> User:
        """The caller; authentication has already refused anonymous requests."""
        return cast(User, self.request.user)

    def get_queryset(self) -> QuerySet[Insight]:
        return insight_list(team=self.team)

    def get_object(self) -> Insight:
        """By id or short_id; only a restore (PATCH ``deleted: false``) sees deleted insights."""
        data = self.request.data if self.request.method in ("PATCH", "PUT") else None
        restoring = is_restore(data)
        insight = insight_get(team=self.team, key=str(self.kwargs["pk"]), include_deleted=restoring)
        if insight is None:
            raise NotFound()
        self.check_object_permissions(self.request, insight)
        return insight

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "team": self.team,
            "is_admin": self.caller_is_admin(),
        }

    def _write_params(self) -> dict[str, Any]:
        """Validated before any write, so a bad ``refresh`` changes nothing."""
        params = WriteParamsSerializer(data=refresh_source(self.request))
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def _full(self, insight: Insight, **options: Any) -> Any:
        """``insight`` with its result fields, computed here (``options``: see insight_results)."""
        results = insight_results(insight=insight, team=self.team, user=self.user, **options)
        context = {**self.get_serializer_context(), "results": {insight.pk: results}}
        if options.get("tile") is not None:
            context["dashboard_tile"] = options["tile"]
        return InsightSerializer(insight, context=context).data

    def _written(self, insight: Insight, params: dict[str, Any]) -> Any:
        """The saved insight, re-read with its relations, with results in the requested mode."""
        found = insight_get(team=self.team, key=str(insight.pk), include_deleted=True)
        assert found is not None
        return self._full(found, refresh=params["refresh"])

    @extend_schema(parameters=[InsightListParamsSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = InsightListParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        insights = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        context = self.get_serializer_context()
        if params.validated_data.get("basic"):
            data = InsightBasicSerializer(insights, many=True, context=context).data
        else:
            refresh = params.validated_data.get("refresh", DEFAULT_MODE)
            results = page_results(
                insights=insights, team=self.team, refresh=refresh, user=self.user
            )
            data = InsightSerializer(
                insights, many=True, context={**context, "results": results}
            ).data
        return self.get_paginated_response(data)

    @extend_schema(parameters=[InsightRetrieveParamsSerializer])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = InsightRetrieveParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        insight = self.get_object()
        options = dict(params.validated_data)
        dashboard_id = options.pop("from_dashboard", None)
        tile = (
            dashboard_tile_get(insight=insight, dashboard_id=dashboard_id)
            if dashboard_id is not None
            else None
        )
        options.setdefault("refresh", DEFAULT_MODE)
        return Response(self._full(insight, tile=tile, **options))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = self._write_params()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        insight = insight_create(
            team=self.team, user=self.user, data=dict(serializer.validated_data)
        )
        return Response(self._written(insight, params), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """PUT behaves as PATCH: no field is required."""
        params = self._write_params()
        insight = self.get_object()
        serializer = self.get_serializer(insight, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        insight = insight_update(
            insight=insight,
            team=self.team,
            user=self.user,
            data=dict(serializer.validated_data),
        )
        return Response(self._written(insight, params))

    @extend_schema(
        description='Hard delete is not allowed. Use a PATCH with "deleted": true instead.',
        responses={405: OpenApiResponse(description="Always.")},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @extend_schema(responses=ActivityLogSerializer(many=True), filters=False)
    @action(
        detail=True,
        methods=["get"],
        required_scopes=ACTIVITY_SCOPES,
        pagination_class=ActivityPagePagination,
    )
    def activity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The change history of one insight, newest first."""
        insight = self.get_object()
        return activity_page(
            request,
            activity_list(team_id=self.team.id, scope=ACTIVITY_SCOPE, item_id=str(insight.pk)),
        )

    @extend_schema(responses=ActivityLogSerializer(many=True), filters=False)
    @action(
        detail=False,
        methods=["get"],
        url_path="activity",
        required_scopes=ACTIVITY_SCOPES,
        pagination_class=ActivityPagePagination,
    )
    def all_activity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The change history of every insight in this environment, newest first."""
        return activity_page(request, activity_list(team_id=self.team.id, scope=ACTIVITY_SCOPE))

    @extend_schema(
        request=ViewedSerializer,
        responses={201: OpenApiResponse(description="Views recorded.")},
        filters=False,
    )
    @action(detail=False, methods=["post"])
    def viewed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record that the caller viewed insights; foreign or deleted ids are silently dropped."""
        body = ViewedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        insights_viewed_record(
            team=self.team, user=self.user, insight_ids=body.validated_data["insight_ids"]
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(responses=InsightBasicSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], pagination_class=None)  # a plain list, as in PostHog
    def my_last_viewed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The caller's last 5 viewed insights in this environment, most recent first."""
        insights = my_last_viewed(team=self.team, user=self.user)
        return Response(
            InsightBasicSerializer(insights, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        parameters=[TrendingParamsSerializer],
        responses=TrendingInsightSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"])
    def trending(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Insights ranked by view count over the last ``days`` (default 7), highest first."""
        params = TrendingParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        insights = trending_insights(
            team=self.team, days=params.validated_data["days"], limit=params.validated_data["limit"]
        )
        results = TrendingInsightSerializer(
            insights, many=True, context=self.get_serializer_context()
        ).data
        return Response({"count": len(results), "next": None, "previous": None, "results": results})

    @extend_schema(
        request=GenerateMetadataSerializer, responses=InsightMetadataSerializer, filters=False
    )
    @action(detail=False, methods=["post"])
    def generate_metadata(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A suggested name and one-sentence description for a query; nothing is saved."""
        body = GenerateMetadataSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(generate_insight_metadata(body.validated_data["query"]))

    @extend_schema(
        request=CancelSerializer,
        responses={201: OpenApiResponse(description="Cancel requested.")},
        filters=False,
    )
    @action(detail=False, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel this environment's running query with ``client_query_id``; 201 either way."""
        from insights.queries.cancel import cancel_query

        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cancel_query(team_id=self.team.id, client_query_id=body.validated_data["client_query_id"])
        return Response(status=status.HTTP_201_CREATED)
