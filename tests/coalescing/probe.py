"""A test-only coalesced ViewSet: a countable Postgres computation behind the real auth stack.

``GET /api/projects/<id>/probes/<person id>/`` counts the team's events in Postgres, bumps a Redis
counter (so tests can assert how many computations ran) and waits on ``GATE`` first, so a test
can hold the leader mid-computation until every follower is waiting. A person whose
``properties.allowed`` lists emails is visible only to those users (an object-level permission),
and ``viewer`` differs per caller (a caller-dependent field).
"""

from __future__ import annotations

import threading
from typing import Any

import redis
from django.conf import settings
from django.urls import include
from django.urls import path
from rest_framework import mixins
from rest_framework import serializers
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from coalescing.mixins import QueryCoalescingMixin
from posthog_api.models import Event
from posthog_api.models import Person
from posthog_api.routing import TeamRouter
from posthog_api.routing import TeamScopedViewSetMixin

GATE = threading.Event()
GATE.set()
GATE_TIMEOUT_SECONDS = 30


def computations_key() -> str:
    return f"{settings.REDIS_KEY_PREFIX}probe:computations"


def computation_count() -> int:
    value = redis.Redis.from_url(settings.REDIS_URL).get(computations_key())
    return int(value or 0)


def compute(team_id: int) -> dict[str, int]:
    GATE.wait(GATE_TIMEOUT_SECONDS)
    run = redis.Redis.from_url(settings.REDIS_URL).incr(computations_key())
    events = Event.objects.filter(team_id=team_id).count()
    return {"events": events, "run": int(run)}


class AllowedViewers(BasePermission):
    def has_object_permission(self, request: Any, view: Any, obj: Person) -> bool:
        allowed = obj.properties.get("allowed")
        return allowed is None or request.user.email in allowed


class ProbeSerializer(serializers.ModelSerializer):
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "viewer"]

    def get_viewer(self, obj: Person) -> str:
        return self.context["request"].user.email


class ProbeViewSet(
    QueryCoalescingMixin, TeamScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    scope_object = "insight"
    scope_object_write_actions = ["compute"]
    serializer_class = ProbeSerializer
    permission_classes = [*TeamScopedViewSetMixin.permission_classes, AllowedViewers]
    coalesce_actions = frozenset({"retrieve", "compute"})
    coalesce_caller_fields = ("viewer",)

    def get_queryset(self) -> Any:
        return Person.objects.filter(team=self.team)

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        data = dict(self.get_serializer(person).data)
        data["result"] = compute(self.team.id)
        if request.query_params.get("explode"):
            raise RuntimeError("probe asked to fail")
        if request.query_params.get("cancelled"):
            data["query_status"] = {"error": True, "error_message": "Query cancelled"}
        if request.query_params.get("reject"):
            raise ValidationError({"reject": ["Rejected after computing."]})
        return Response(data)

    @action(detail=False, methods=["post"])
    def compute(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return Response({"echo": request.data.get("series"), "result": compute(self.team.id)})


router = TeamRouter()
router.register("probes", ProbeViewSet, basename="probes")

urlpatterns = [
    path("api/", include(router.urls)),
    path("", include("coalescing.urls")),
]
