"""Project-wide tags and what they are attached to."""

from __future__ import annotations

from django.db import models


def tagify(raw: str) -> str:
    """Tags are compared and stored trimmed and lower-cased, as PostHog does."""
    return raw.strip().lower()


class Tag(models.Model):
    project = models.ForeignKey(
        "posthog_api.Project", on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="unique_project_tag")
        ]

    def __str__(self) -> str:
        return self.name


class TaggedItem(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_items")
    insight = models.ForeignKey(
        "insights.Insight",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tagged_items",
    )
    dashboard = models.ForeignKey(
        "insights.Dashboard",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tagged_items",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "insight"], name="unique_insight_tag"),
            models.UniqueConstraint(fields=["tag", "dashboard"], name="unique_dashboard_tag"),
            models.CheckConstraint(
                condition=models.Q(insight__isnull=False) | models.Q(dashboard__isnull=False),
                name="tagged_item_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} -> {self.insight_id or self.dashboard_id}"
