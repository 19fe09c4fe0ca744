"""Events and persons: the raw data every insight and element statistic is computed from.

Every key and index leads with ``team`` so the table can later be partitioned by time and
distributed by team without changing a query. Events are immutable; ``(team, uuid)`` is unique so
the same event sent twice is stored once.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone


class Person(models.Model):
    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    team = models.ForeignKey("posthog_api.Team", on_delete=models.CASCADE, db_index=False)
    properties: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    is_identified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "uuid"], name="unique_person_uuid")]

    def __str__(self) -> str:
        return str(self.uuid)


class PersonDistinctId(models.Model):
    """Maps a distinct_id to the person it currently belongs to (merges repoint it)."""

    id = models.BigAutoField(primary_key=True)
    team = models.ForeignKey("posthog_api.Team", on_delete=models.CASCADE, db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="distinct_ids")
    distinct_id = models.CharField(max_length=400)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "distinct_id"], name="unique_team_distinct_id")
        ]

    def __str__(self) -> str:
        return self.distinct_id


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    team = models.ForeignKey("posthog_api.Team", on_delete=models.CASCADE, db_index=False)
    event = models.CharField(max_length=400)
    distinct_id = models.CharField(max_length=400)
    timestamp = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    properties: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    elements_chain = models.TextField(default="", blank=True)
    session_id = models.CharField(max_length=200, null=True, blank=True)
    # The person's uuid as resolved at ingestion. Queries resolve distinct_id -> current person
    # through PersonDistinctId so that merges apply to old events too.
    person_id = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "uuid"], name="unique_event_uuid")]
        indexes = [
            models.Index(fields=["team", "event", "timestamp"], name="event_team_event_ts"),
            models.Index(fields=["team", "timestamp"], name="event_team_ts"),
            models.Index(fields=["team", "distinct_id"], name="event_team_distinct_id"),
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.timestamp}"


class EventHourlyCount(models.Model):
    """How many events of one name a team has in one UTC hour: a rollup of ``Event``.

    Maintained by statement-level triggers on the events table (migration 0002), so every way
    events arrive (capture, import, COPY, the ORM) keeps it exact, inside the same transaction:
    inserted rows are counted per ``(team, event, hour)`` and upserted, deleted rows subtracted.
    Each database backend adds to its own ``shard`` row, so concurrent ingestion batches never
    wait on each other's row lock; a count is the sum over shards. Trends of the plain event
    count read it instead of the raw events (``insights/queries/hourly_counts.py``).
    """

    id = models.BigAutoField(primary_key=True)
    team_id = models.BigIntegerField()
    event = models.CharField(max_length=400)
    hour = models.DateTimeField()
    shard = models.SmallIntegerField()
    count = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team_id", "event", "hour", "shard"], name="unique_event_hourly_count"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.hour}: {self.count}"
