"""ActorsQuery over a FunnelsActorsQuery: the persons behind one funnel step (paginated)."""

from __future__ import annotations

import uuid
from typing import Any

from insights.queries import schema
from insights.queries.dates import iso
from insights.queries.filters import UnsupportedQuery
from insights.queries.runners.base import QueryRunner
from insights.queries.runners.funnels import query_builder as builder
from insights.queries.runners.funnels.runner import FunnelsQueryRunner
from posthog_api.models import Person
from posthog_api.models import PersonDistinctId

DEFAULT_LIMIT = 100
COLUMNS = ("actor", "id", "created_at")
# Personless distinct_ids get a stable pseudo person id derived from the distinct_id.
PERSONLESS_NAMESPACE = uuid.UUID("8f1c4d2e-5b6a-4c3d-9e8f-7a6b5c4d3e2f")


class ActorsQueryRunner(QueryRunner):
    kind = "ActorsQuery"
    query: schema.ActorsQuery

    def calculate(self) -> dict[str, Any]:
        source = self.query.source
        if source is None:
            raise UnsupportedQuery("ActorsQuery without a FunnelsActorsQuery source")
        if source.funnelCustomSteps or source.funnelTrendsEntrancePeriodStart:
            raise UnsupportedQuery("Funnel trends actors and custom steps")
        select = self.query.select or ["actor"]
        for column in select:
            if column not in COLUMNS:
                raise UnsupportedQuery(f"The ActorsQuery column {column!r}")
        if self.query.search or self.query.orderBy:
            raise UnsupportedQuery("ActorsQuery search and orderBy")
        funnel = FunnelsQueryRunner(
            team=self.team, query=source.source, client_query_id=self.client_query_id, now=self.now
        )
        viz = funnel.options().funnelVizType or "steps"
        if viz != "steps":
            raise UnsupportedQuery(f"Funnel actors of a {viz} funnel")
        spec = funnel.spec()
        limit = self.query.limit or DEFAULT_LIMIT
        offset = self.query.offset or 0
        value = source.funnelStepBreakdown
        if isinstance(value, list):
            value = value[0] if value else None
        assert source.funnelStep is not None  # checked by the schema
        keys = [
            row[0]
            for row in self.sql(
                *builder.actors_sql(
                    spec,
                    source.funnelStep,
                    None if value is None else str(value),
                    limit + 1,
                    offset,
                )
            )
        ]
        actors = _actors(self.team.pk, keys[:limit])
        return {
            "results": [[_column(actor, column) for column in select] for actor in actors],
            "columns": select,
            "hasMore": len(keys) > limit,
            "limit": limit,
            "offset": offset,
            "missing_actors_count": 0,
            "timings": [],
        }


def _column(actor: dict[str, Any], column: str) -> Any:
    if column == "actor":
        return actor
    return actor[column]


def _actors(team_id: int, keys: list[str]) -> list[dict[str, Any]]:
    """Person objects for actor keys (a person's row id, or ``d:<distinct_id>``), in order."""
    ids = [int(key) for key in keys if not key.startswith("d:")]
    persons = {p.pk: p for p in Person.objects.filter(team_id=team_id, pk__in=ids)}
    distinct: dict[int, list[str]] = {}
    for person_id, distinct_id in (
        PersonDistinctId.objects.filter(team_id=team_id, person_id__in=ids)
        .order_by("id")
        .values_list("person_id", "distinct_id")
    ):
        distinct.setdefault(person_id, []).append(distinct_id)
    out = []
    for key in keys:
        if key.startswith("d:"):
            pseudo = str(uuid.uuid5(PERSONLESS_NAMESPACE, key[2:]))
            out.append(
                {
                    "type": "person",
                    "id": pseudo,
                    "uuid": pseudo,
                    "distinct_ids": [key[2:]],
                    "properties": {},
                    "is_identified": False,
                    "created_at": None,
                }
            )
            continue
        person = persons.get(int(key))
        if person is None:
            continue
        out.append(
            {
                "type": "person",
                "id": str(person.uuid),
                "uuid": str(person.uuid),
                "distinct_ids": distinct.get(person.pk, []),
                "properties": person.properties,
                "is_identified": person.is_identified,
                "created_at": iso(person.created_at),
            }
        )
    return out
