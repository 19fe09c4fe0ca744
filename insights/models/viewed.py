"""Who viewed which insight last, per environment: one row per (team, user, insight)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InsightViewed(models.Model):
    team = models.ForeignKey(
        "posthog_api.Team", null=True, on_delete=models.CASCADE, related_name="+"
    )
    # Null for anonymous (shared) views.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    insight = models.ForeignKey("insights.Insight", on_delete=models.CASCADE, related_name="views")
    last_viewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user", "insight"], name="unique_insight_view_per_user"
            )
        ]
        indexes = [
            models.Index(
                fields=["team", "user", "-last_viewed_at"], name="insightviewed_user_recent"
            ),
            models.Index(
                fields=["insight", "-last_viewed_at"], name="insightviewed_insight_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.insight_id}"
