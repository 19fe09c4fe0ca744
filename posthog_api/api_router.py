"""Every API route, in one place. Apps add their ViewSets here.

``router`` holds top-level resources (``/api/projects/``); ``team_router`` mounts team-scoped
ViewSets under both ``/api/projects/<id>/`` and ``/api/environments/<id>/``.
"""

from __future__ import annotations

from django.urls import URLPattern
from django.urls import URLResolver
from django.urls import path

from activity.views import ActivityLogViewSet
from elements.views import ElementViewSet
from insights.views import DashboardViewSet
from insights.views import InsightViewSet
from insights.views import QueryViewSet
from posthog_api.api.projects import ProjectViewSet
from posthog_api.api.users import CurrentUserView
from posthog_api.routing import OptionalSlashRouter
from posthog_api.routing import team_router

router = OptionalSlashRouter()
router.register("projects", ProjectViewSet, basename="projects")

# --- team-scoped resources (each app registers its own below) ---------------------------------
team_router.register("elements", ElementViewSet, basename="elements")
team_router.register("insights", InsightViewSet, basename="insights")
team_router.register("query", QueryViewSet, basename="query")
team_router.register("dashboards", DashboardViewSet, basename="dashboards")
team_router.register("activity_log", ActivityLogViewSet, basename="activity_log")

# What ``/api/`` lists: top-level resources, then team-scoped ones in the caller's own project.
API_RESOURCES: dict[str, str] = {
    "projects": "/api/projects/",
    "current_user": "/api/users/@me/",
    **{
        prefix: f"/api/projects/@current/{prefix}/"
        for prefix, _viewset, _basename in team_router.projects.registry
    },
    "schema": "/api/schema/",
    "docs": "/api/schema/swagger-ui/",
}

urlpatterns: list[URLPattern | URLResolver] = [
    path("users/<str:user_id>/", CurrentUserView.as_view(), name="users-me"),
    *router.urls,
    *team_router.urls,
]
