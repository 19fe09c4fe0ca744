"""Recording that a user looked at insights (one row per team, user and insight)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from insights.models import Insight
from insights.models import InsightViewed
from posthog_api.models import Team
from posthog_api.models import User


@transaction.atomic
def insights_viewed_record(*, team: Team, user: User, insight_ids: Iterable[int]) -> int:
    """Upsert views for the ids that are live insights of the team's project; others are dropped.

    Returns how many were recorded.
    """
    kept = list(
        Insight.objects.filter(team__project_id=team.project_id, pk__in=set(insight_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    InsightViewed.objects.bulk_create(
        [InsightViewed(team=team, user=user, insight_id=pk, last_viewed_at=now) for pk in kept],
        update_conflicts=True,
        unique_fields=["team", "user", "insight"],
        update_fields=["last_viewed_at"],
    )
    return len(kept)
