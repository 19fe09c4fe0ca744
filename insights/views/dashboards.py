"""``dashboards/``: list, create, retrieve and PATCH (``deleted: true`` soft-deletes)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins
from rest_framework import viewsets
from rest_framework.serializers import BaseSerializer

from insights.models import Dashboard
from insights.params import is_restore
from insights.selectors import dashboard_list
from insights.serializers import DashboardSerializer
from insights.services import dashboard_create
from insights.services import dashboard_update
from posthog_api.routing import TeamScopedViewSetMixin


class DashboardViewSet(
    TeamScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Dashboard],
):
    scope_object = "dashboard"
    queryset = Dashboard.objects.none()  # for the schema generator; get_queryset scopes by team
    serializer_class = DashboardSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Dashboard]:
        # Only a restore (PATCH deleted=false) may see a soft-deleted dashboard.
        restoring = self.action == "partial_update" and is_restore(self.request.data)
        return dashboard_list(team=self.team, include_deleted=restoring)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        dashboard = dashboard_create(
            team=self.team,
            user=self.request.user,  # type: ignore[arg-type]
            data=dict(serializer.validated_data),
        )
        # Re-read including soft-deleted rows: a create may pass ``deleted: true``.
        serializer.instance = dashboard_list(team=self.team, include_deleted=True).get(
            pk=dashboard.pk
        )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        assert serializer.instance is not None
        dashboard = dashboard_update(
            dashboard=serializer.instance, data=dict(serializer.validated_data)
        )
        serializer.instance = dashboard_list(team=self.team, include_deleted=True).get(
            pk=dashboard.pk
        )
