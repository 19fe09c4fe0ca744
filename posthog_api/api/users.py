"""``/api/users/@me/``: who the caller is, their organizations and current team."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import views
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from posthog_api.api.serializers import MeSerializer
from posthog_api.models import User
from posthog_api.permissions import APIScopePermission


class CurrentUserView(views.APIView):
    permission_classes = [IsAuthenticated, APIScopePermission]
    scope_object = "user"
    action = "retrieve"

    @extend_schema(operation_id="users_me_retrieve", responses=MeSerializer)
    def get(self, request: Request, user_id: str, *args: Any, **kwargs: Any) -> Response:
        if user_id != "@me":
            raise NotFound()
        user = (
            User.objects.select_related("current_team")
            .prefetch_related("organization_memberships__organization")
            .get(pk=request.user.pk or 0)
        )
        return Response(MeSerializer(user).data)
