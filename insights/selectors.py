"""Reads of insights, dashboards and views. Insights are project-wide; views are per environment."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.db.models import OuterRef
from django.db.models import Prefetch
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models import Subquery
from django.utils import timezone

from insights.models import Dashboard
from insights.models import DashboardTile
from insights.models import Insight
from insights.models import InsightViewed
from insights.models import TaggedItem
from posthog_api.models import Team
from posthog_api.models import User

MY_LAST_VIEWED_COUNT = 5
TRENDING_VIEWERS = 3


def _with_relations(queryset: QuerySet[Insight]) -> QuerySet[Insight]:
    """Everything a serialized insight needs, fetched in a constant number of queries."""
    return queryset.select_related("created_by", "last_modified_by").prefetch_related(
        Prefetch(
            "dashboard_tiles",
            queryset=DashboardTile.objects.order_by("id"),
            to_attr="live_tiles",
        ),
        Prefetch(
            "tagged_items",
            queryset=TaggedItem.objects.select_related("tag").order_by("tag__name"),
            to_attr="tag_items",
        ),
    )


def last_viewed_subquery() -> Subquery:
    """The newest view of the outer insight by anyone, in any environment."""
    return Subquery(
        InsightViewed.objects.filter(insight=OuterRef("pk"))
        .order_by("-last_viewed_at")
        .values("last_viewed_at")[:1]
    )


def insight_list(*, team: Team, include_deleted: bool = False) -> QuerySet[Insight]:
    """Insights of every environment of the team's project, with ``last_viewed_at`` annotated."""
    manager = Insight.objects_including_soft_deleted if include_deleted else Insight.objects
    queryset = manager.filter(team__project_id=team.project_id).annotate(
        last_viewed_at=last_viewed_subquery()
    )
    return _with_relations(queryset)


def insight_get(*, team: Team, key: str, include_deleted: bool = False) -> Insight | None:
    """By primary key when ``key`` is numeric (then by short_id), else by short_id."""
    queryset = insight_list(team=team, include_deleted=include_deleted)
    if key.isdigit():
        found = queryset.filter(pk=int(key)).first()
        if found is not None:
            return found
    return queryset.filter(short_id=key).first()


def my_last_viewed(*, team: Team, user: User) -> list[Insight]:
    """The user's last 5 viewed live insights in this environment, newest first.

    Each insight's ``last_viewed_at`` is the user's own view time.
    """
    views = (
        InsightViewed.objects.filter(team=team, user=user, insight__deleted=False)
        .order_by("-last_viewed_at")
        .values_list("insight_id", "last_viewed_at")[:MY_LAST_VIEWED_COUNT]
    )
    viewed_at = dict(views)
    insights = {i.pk: i for i in _with_relations(Insight.objects.filter(pk__in=viewed_at))}
    ordered = [insights[pk] for pk in viewed_at if pk in insights]
    for insight in ordered:
        insight.last_viewed_at = viewed_at[insight.pk]  # type: ignore[attr-defined]
    return ordered


def trending_insights(*, team: Team, days: int, limit: int) -> list[Insight]:
    """Most-viewed live project insights over the last ``days``, with up to 3 recent viewers.

    ``view_count`` counts view rows (one per user and environment) inside the window;
    ``viewers`` are users who viewed in this environment inside the window, newest first.
    """
    cutoff = timezone.now() - timedelta(days=days)
    recent_views = (
        InsightViewed.objects.filter(team=team, user__isnull=False, last_viewed_at__gte=cutoff)
        .select_related("user")
        .order_by("-last_viewed_at")
    )
    queryset = (
        Insight.objects.filter(team__project_id=team.project_id)
        .annotate(
            view_count=Count("views", filter=Q(views__last_viewed_at__gte=cutoff)),
            last_viewed_at=last_viewed_subquery(),
        )
        .filter(view_count__gt=0)
        .order_by("-view_count", "-last_modified_at", "id")
    )
    insights: list[Insight] = list(
        _with_relations(queryset).prefetch_related(
            Prefetch("views", queryset=recent_views, to_attr="recent_views")
        )[:limit]
    )
    for insight in insights:
        insight.viewers = [view.user for view in insight.recent_views[:TRENDING_VIEWERS]]  # type: ignore[attr-defined]
    return insights


def dashboard_list(*, team: Team, include_deleted: bool = False) -> QuerySet[Dashboard]:
    manager = Dashboard.objects_including_soft_deleted if include_deleted else Dashboard.objects
    return (
        manager.filter(team__project_id=team.project_id)
        .select_related("created_by", "team")
        .prefetch_related(
            Prefetch(
                "tagged_items",
                queryset=TaggedItem.objects.select_related("tag").order_by("tag__name"),
                to_attr="tag_items",
            )
        )
        .order_by("id")
    )
