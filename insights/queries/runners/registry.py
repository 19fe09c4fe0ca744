"""Which runner runs which query kind: one explicit dict, built here from the runner classes.

Adding a kind (Retention, Paths, HogQL) means one new folder under ``runners/`` (its
options, query builder, shaper and runner, as ``trends/``) and one line here; nothing else changes.
"""

from __future__ import annotations

from pydantic import BaseModel

from insights.queries.filters import UnsupportedQuery
from insights.queries.runners.base import QueryRunner
from insights.queries.runners.funnels import ActorsQueryRunner
from insights.queries.runners.funnels import FunnelsQueryRunner
from insights.queries.runners.lifecycle import LifecycleQueryRunner
from insights.queries.runners.stickiness import StickinessQueryRunner
from insights.queries.runners.trends import TrendsQueryRunner
from posthog_api.models import Team

RUNNERS: dict[str, type[QueryRunner]] = {
    runner.kind: runner
    for runner in (
        TrendsQueryRunner,
        StickinessQueryRunner,
        LifecycleQueryRunner,
        FunnelsQueryRunner,
        ActorsQueryRunner,
    )
}

NOT_YET_SUPPORTED = {
    "RetentionQuery": "Retention",
    "PathsQuery": "Paths",
    "HogQLQuery": "HogQL (SQL insights)",
}


def runner_class(kind: str) -> type[QueryRunner]:
    if kind in RUNNERS:
        return RUNNERS[kind]
    raise UnsupportedQuery(NOT_YET_SUPPORTED.get(kind, f"The {kind} query kind"))


def runner_for(*, team: Team, query: BaseModel, client_query_id: str | None = None) -> QueryRunner:
    kind = getattr(query, "kind", "")
    return runner_class(kind)(team=team, query=query, client_query_id=client_query_id)
