"""Legacy Postgres element rows (PostHog's ``posthog_element`` / ``posthog_elementgroup``).

Modern element data lives in each event's ``elements_chain``; these tables only back the
``/elements/`` CRUD endpoints. An element belongs to a team only through its group.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models


class ElementGroup(models.Model):
    """The elements of one chain in one team; ``hash`` identifies the chain."""

    team = models.ForeignKey("posthog_api.Team", on_delete=models.CASCADE, db_index=False)
    hash = models.CharField(max_length=400)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "hash"], name="unique_element_group_hash")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.hash}"


class Element(models.Model):
    text = models.CharField(max_length=10_000, null=True, blank=True)
    tag_name = models.CharField(max_length=1_000, null=True, blank=True)
    href = models.CharField(max_length=10_000, null=True, blank=True)
    attr_id = models.CharField(max_length=10_000, null=True, blank=True)
    attr_class = ArrayField(models.CharField(max_length=200, blank=True), null=True, blank=True)
    nth_child = models.IntegerField(null=True, blank=True)
    nth_of_type = models.IntegerField(null=True, blank=True)
    attributes: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    order = models.IntegerField(null=True, blank=True)
    group = models.ForeignKey(
        ElementGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="elements"
    )

    def __str__(self) -> str:
        return f"{self.tag_name or '?'} #{self.pk}"
