"""Reads of insights, dashboards and views. Insights are project-wide; views are per environment."""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta
from typing import Any
from typing import cast

import orjson
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count
from django.db.models import OuterRef
from django.db.models import Prefetch
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models import Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from insights.models import Dashboard
from insights.models import DashboardTile
from insights.models import Insight
from insights.models import InsightViewed
from insights.models import Tag
from insights.models import TaggedItem
from posthog_api.compiled_query import CompiledQuery
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
    """By primary key when ``key`` is numeric (then by short_id), else by short_id.

    The detail read is the API's hottest path (every dashboard tile polls it), so it is one
    statement compiled once per process (``posthog_api.compiled_query``): the insight, both
    users, the newest view, live tiles and tag names come back in a single row, where the list
    queryset costs three queries and a fresh SQL compilation each time.
    """
    if key.isdigit() and int(key) <= MAX_BIGINT:
        found = _detail("pk", include_deleted).fetch(project_id=team.project_id, key=int(key))
        if found:
            return _with_detail_relations(found[0])
    found = _detail("short_id", include_deleted).fetch(project_id=team.project_id, key=key)
    return _with_detail_relations(found[0]) if found else None


MAX_BIGINT = 2**63 - 1
USER_BASIC_FIELDS = ("id", "uuid", "distinct_id", "first_name", "last_name", "email")


@functools.cache
def dashboard_tile_get(*, insight: Insight, dashboard_id: int) -> DashboardTile | None:
    """The insight's tile on that dashboard, with the dashboard (its filters apply to results)."""
    return (
        DashboardTile.objects.select_related("dashboard")
        .filter(insight=insight, dashboard_id=dashboard_id)
        .first()
    )


def _detail(by: str, include_deleted: bool) -> CompiledQuery[Insight]:
    manager = Insight.objects_including_soft_deleted if include_deleted else Insight.objects

    def make(project_id: int, key: int) -> QuerySet[Insight]:
        users = {
            f"{relation}_json": JSONObject(**{f: f"{relation}__{f}" for f in USER_BASIC_FIELDS})
            for relation in ("created_by", "last_modified_by")
        }
        tiles = DashboardTile.objects.filter(insight=OuterRef("pk")).order_by("id")
        tags = TaggedItem.objects.filter(insight=OuterRef("pk")).order_by("tag__name")
        return (
            manager.filter(team__project_id=project_id, **{by: key})
            .annotate(
                last_viewed_at=last_viewed_subquery(),
                tiles_json=ArraySubquery(
                    tiles.values(
                        json=JSONObject(id="id", dashboard_id="dashboard_id", deleted="deleted")
                    )
                ),
                tag_names=ArraySubquery(tags.values("tag__name")),
                **users,
            )
            .order_by("id")[:1]
        )

    return CompiledQuery.build(Insight, make, "project_id", "key")


def _json(value: Any) -> Any:
    # Django loads jsonb as text (its JSONField parses it); raw rows arrive unparsed.
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _with_detail_relations(insight: Any) -> Insight:
    """Turn the detail row's extra columns into what the serializers read from prefetches."""
    insight.live_tiles = [DashboardTile(**_json(tile)) for tile in insight.tiles_json]
    insight.tag_items = [TaggedItem(tag=Tag(name=name)) for name in insight.tag_names]
    for relation in ("created_by", "last_modified_by"):
        fields = _json(getattr(insight, f"{relation}_json"))
        user = None
        if fields["id"] is not None:
            user = User(**{**fields, "uuid": uuid.UUID(fields["uuid"])})
        Insight._meta.get_field(relation).set_cached_value(insight, user)  # type: ignore[union-attr]
        delattr(insight, f"{relation}_json")
    del insight.tiles_json, insight.tag_names
    return cast(Insight, insight)


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
