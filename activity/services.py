"""Writing the audit log: ``log_activity`` and the field diff ``changes_between``.

Call both from a service, inside the transaction that makes the change, so the log row and the
change commit or roll back together::

    before = insight_snapshot(insight)
    ...  # apply the change
    changes = changes_between(scope="Insight", before=before, after=insight_snapshot(insight))
    log_activity(organization_id=..., team_id=..., user=user, item_id=insight.id,
                 scope="Insight", activity="updated", detail={"name": ..., "changes": changes})
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import models
from django.db import transaction

from activity.models import ActivityLog
from posthog_api.models import User

# Never reported as changes, for any scope: identity and bookkeeping columns.
COMMON_EXCLUSIONS = frozenset(
    {
        "id",
        "uuid",
        "short_id",
        "created_at",
        "created_by",
        "last_modified_at",
        "last_modified_by",
        "updated_at",
        "updated_by",
        "team",
        "team_id",
    }
)


def _is_empty(value: Any) -> bool:
    """None, "", [], {} and () are all "no value" (False and 0 are values)."""
    return value is None or (isinstance(value, str | list | dict | tuple) and len(value) == 0)


def _normalise(value: Any) -> Any:
    """Lists of strings compare as sorted lists, so re-ordering tags is not a change."""
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return sorted(value)
    return value


def changes_between(
    *,
    scope: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    excluded: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Field-level changes from ``before`` to ``after`` (plain dict snapshots).

    Per field: both sides empty is no change; empty before is ``created``; empty after is
    ``deleted``; otherwise ``changed``. Fields in ``COMMON_EXCLUSIONS`` or ``excluded`` are skipped.
    """
    if before is None:
        return []
    skip = COMMON_EXCLUSIONS | set(excluded)
    changes: list[dict[str, Any]] = []
    for field in sorted(set(before) | set(after)):
        if field in skip:
            continue
        old, new = _normalise(before.get(field)), _normalise(after.get(field))
        if _is_empty(old) and _is_empty(new):
            continue
        if _is_empty(old):
            changes.append({"type": scope, "action": "created", "field": field, "after": new})
        elif _is_empty(new):
            changes.append({"type": scope, "action": "deleted", "field": field, "before": old})
        elif old != new:
            changes.append(
                {"type": scope, "action": "changed", "field": field, "before": old, "after": new}
            )
    return changes


def model_snapshot(instance: models.Model, *, excluded: Iterable[str] = ()) -> dict[str, Any]:
    """Every concrete field of a row as ``{name: value}`` (foreign keys as their id)."""
    skip = set(excluded)
    snapshot: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        name = field.name if not field.is_relation else field.attname
        snapshot[field.name] = getattr(instance, name)
    return snapshot


@transaction.atomic
def log_activity(
    *,
    organization_id: UUID | str | None,
    team_id: int | None,
    user: User | None,
    item_id: int | str | None,
    scope: str,
    activity: str,
    detail: dict[str, Any],
    was_impersonated: bool = False,
) -> ActivityLog | None:
    """Write one audit row; an ``updated`` with no changes is not worth a row and returns None."""
    if activity == "updated" and not detail.get("changes"):
        return None
    return ActivityLog.objects.create(
        organization_id=organization_id,
        team_id=team_id,
        user=user,
        was_impersonated=was_impersonated,
        is_system=user is None,
        item_id=None if item_id is None else str(item_id),
        scope=scope,
        activity=activity,
        detail=detail,
    )
