"""Creating and updating insights, with their tiles, tags, creator view and activity rows.

Each service runs in one transaction: the insight, its tiles, tags and the audit row commit
together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from activity.services import changes_between
from activity.services import log_activity
from activity.services import model_snapshot
from insights.models import Dashboard
from insights.models import DashboardTile
from insights.models import Insight
from insights.models import InsightViewed
from insights.models.insight import generate_short_id
from insights.queries.legacy_filters import insight_query
from insights.queries.schema import query_events
from insights.services.tags import tags_set
from posthog_api.models import Team
from posthog_api.models import User

SCOPE = "Insight"
# Editing one of these bumps last_modified_at/by; other edits (order, favorited...) do not.
MATERIAL_FIELDS = frozenset({"name", "description", "filters"})
INSIGHT_FIELDS = (
    "name",
    "derived_name",
    "description",
    "filters",
    "query",
    "order",
    "deleted",
    "saved",
    "favorited",
    "create_in_folder",
)
# Columns the audit log never reports for insights (besides the common identity columns).
ACTIVITY_EXCLUSIONS = frozenset(
    {
        "filters_hash",
        "refreshing",
        "order",
        "last_refresh",
        "saved",
        "is_sample",
        "create_in_folder",
    }
)
_SHORT_ID_ATTEMPTS = 10


def _query_metadata(insight: Insight) -> dict[str, Any] | None:
    """From the query, or from the converted filters of a legacy filter-only insight."""
    query = insight_query(insight.query, insight.filters)
    return {"events": query_events(query)} if query else None


def insight_snapshot(insight: Insight) -> dict[str, Any]:
    """What the audit log compares: the insight's columns plus its tag names."""
    snapshot = model_snapshot(insight, excluded=ACTIVITY_EXCLUSIONS)
    snapshot["tags"] = sorted(insight.tagged_items.values_list("tag__name", flat=True))
    return snapshot


def _dashboards_described(dashboards: Sequence[Dashboard]) -> list[dict[str, Any]]:
    return [{"id": d.id, "name": d.name} for d in sorted(dashboards, key=lambda d: d.id)]


def _log(
    *, insight: Insight, team: Team, user: User, activity: str, changes: list[dict[str, Any]] | None
) -> None:
    """PostHog logs nothing for an insight that has neither a name nor a derived name."""
    name = insight.name or insight.derived_name
    if not name:
        return
    log_activity(
        organization_id=team.organization_id,
        team_id=team.id,
        user=user,
        item_id=insight.id,
        scope=SCOPE,
        activity=activity,
        detail={
            "name": name,
            "short_id": insight.short_id,
            "type": None,
            "changes": changes,
            "trigger": None,
            "context": None,
        },
    )


def _insert_with_unique_short_id(insight: Insight) -> None:
    """short_id is 8 random characters; on the rare collision within the team, draw again."""
    for _ in range(_SHORT_ID_ATTEMPTS):
        try:
            with transaction.atomic():
                insight.save(force_insert=True)
            return
        except IntegrityError:
            if not Insight.objects_including_soft_deleted.filter(
                team_id=insight.team_id, short_id=insight.short_id
            ).exists():
                raise
            insight.short_id = generate_short_id()
    raise IntegrityError("Could not draw a unique short_id.")


@transaction.atomic
def insight_create(*, team: Team, user: User, data: dict[str, Any]) -> Insight:
    """A new insight owned by ``team``; ``data`` holds serializer-validated fields.

    Also writes the creator's view, a tile per ``dashboards`` entry, the tags and a ``created``
    activity row.
    """
    fields = {key: data[key] for key in INSIGHT_FIELDS if key in data}
    insight = Insight(team=team, created_by=user, last_modified_by=user, **fields)
    insight.query_metadata = _query_metadata(insight)
    _insert_with_unique_short_id(insight)
    now = timezone.now()
    InsightViewed.objects.create(team=team, user=user, insight=insight, last_viewed_at=now)
    DashboardTile.objects.bulk_create(
        [
            DashboardTile(dashboard=d, insight=insight, last_refresh=now)
            for d in data.get("dashboards", [])
        ]
    )
    if "tags" in data:
        tags_set(project_id=team.project_id, names=data["tags"], insight=insight)
    _log(insight=insight, team=team, user=user, activity="created", changes=None)
    return insight


def _live_dashboards(insight: Insight) -> list[Dashboard]:
    return list(
        Dashboard.objects.filter(tiles__insight=insight, tiles__deleted=False).order_by("id")
    )


def _sync_dashboards(*, insight: Insight, wanted: Sequence[Dashboard]) -> None:
    """Add tiles for new dashboards (reviving soft-deleted ones) and soft-delete dropped ones."""
    wanted_ids = {d.id for d in wanted}
    tiles = DashboardTile.objects_including_soft_deleted.filter(insight=insight)
    tiles.exclude(dashboard_id__in=wanted_ids).update(deleted=True)
    tiles.filter(dashboard_id__in=wanted_ids, deleted=True).update(deleted=False)
    existing = set(tiles.values_list("dashboard_id", flat=True))
    now = timezone.now()
    DashboardTile.objects.bulk_create(
        [
            DashboardTile(dashboard=d, insight=insight, last_refresh=now)
            for d in wanted
            if d.id not in existing
        ]
    )


@transaction.atomic
def insight_update(*, insight: Insight, team: Team, user: User, data: dict[str, Any]) -> Insight:
    """Apply ``data`` (serializer-validated) and log ``updated``/``deleted``/``restored``.

    ``deleted: true`` soft-deletes the insight and every tile of it (a ``dashboards`` list in the
    same body is ignored); ``deleted: false`` restores it.
    """
    before = insight_snapshot(insight)
    dashboards_before = _dashboards_described(_live_dashboards(insight))
    for key in INSIGHT_FIELDS:
        if key in data:
            setattr(insight, key, data[key])
    insight.is_sample = False
    insight.saved = data.get("saved", True)
    if "query" in data or "filters" in data:
        insight.query_metadata = _query_metadata(insight)
    if MATERIAL_FIELDS & data.keys():
        insight.last_modified_at = timezone.now()
        insight.last_modified_by = user
    insight.save()

    dashboards_change: dict[str, Any] | None = None
    if data.get("deleted") is True:
        DashboardTile.objects_including_soft_deleted.filter(insight=insight).update(deleted=True)
    elif "dashboards" in data:
        _sync_dashboards(insight=insight, wanted=data["dashboards"])
        dashboards_after = _dashboards_described(_live_dashboards(insight))
        if dashboards_after != dashboards_before:
            dashboards_change = {
                "type": SCOPE,
                "action": "changed",
                "field": "dashboards",
                "before": dashboards_before,
                "after": dashboards_after,
            }
    if "tags" in data:
        tags_set(project_id=team.project_id, names=data["tags"], insight=insight)

    changes = changes_between(scope=SCOPE, before=before, after=insight_snapshot(insight))
    if dashboards_change is not None:
        changes.append(dashboards_change)
    _log(insight=insight, team=team, user=user, activity=_verb(changes), changes=changes)
    return insight


def _verb(changes: list[dict[str, Any]]) -> str:
    for change in changes:
        if change["field"] == "deleted":
            if change.get("after"):
                return "deleted"
            if change.get("before"):
                return "restored"
    return "updated"
