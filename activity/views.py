"""``activity_log/``: the project's audit trail, newest first (scope ``activity_log:read``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from activity.filters import ActivityLogFilterSet
from activity.models import ActivityLog
from activity.pagination import ActivityPagePagination
from activity.pagination import activity_page
from activity.selectors import activity_list
from activity.serializers import ActivityLogSerializer
from posthog_api.routing import TeamScopedViewSetMixin


class ActivityLogViewSet(TeamScopedViewSetMixin, viewsets.GenericViewSet[ActivityLog]):
    scope_object = "activity_log"
    queryset = ActivityLog.objects.none()  # for the schema generator; get_queryset scopes by team
    serializer_class = ActivityLogSerializer
    filterset_class = ActivityLogFilterSet
    # Describes the page in the schema; ``activity_page`` paginates.
    pagination_class = ActivityPagePagination

    def get_queryset(self) -> QuerySet[ActivityLog]:
        return activity_list(team_id=self.team.id)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return activity_page(request, self.filter_queryset(self.get_queryset()))
