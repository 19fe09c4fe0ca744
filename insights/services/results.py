"""The result fields of an insight response, computed for a web request by the view.

A GET's side effects (SQL, cache writes, enqueued refreshes) happen here, called from the view,
never from a serializer: the view hands the fields to ``InsightSerializer`` through the serializer
context (``results``: insight id -> fields). ``run_query`` (the engine) computes them under the
request's ``refresh`` mode and ``client_query_id`` (which tags the running statement, so
``POST insights/cancel/`` can cancel it).

* ``insight_results``: one insight (retrieve, create/update responses). A ``from_dashboard``
  retrieve passes the tile the view already fetched (with its dashboard), never re-read here.
* ``page_results``: every insight of a list page; each query is prepared once and every cached
  result and job status is read in one ``MGET`` (``read_ahead``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.exceptions import ValidationError

from insights.models import DashboardTile
from insights.models import Insight
from insights.queries import cache as result_cache
from insights.queries.execution import Prepared
from insights.queries.execution import prepare
from insights.queries.execution import read_keys
from insights.queries.execution import run_query
from insights.queries.legacy_filters import insight_query
from insights.queries.modes import ExecutionMode
from insights.queries.status import new_status
from posthog_api.models import Team

RESULT_FIELDS = (
    "result",
    "hasMore",
    "columns",
    "types",
    "hogql",
    "last_refresh",
    "cache_target_age",
    "next_allowed_client_refresh",
    "is_cached",
    "timezone",
    "resolved_date_range",
    "filters_hash",
    "query_status",
)


def insight_results(
    *,
    insight: Insight,
    team: Team,
    refresh: ExecutionMode,
    user: Any,
    tile: DashboardTile | None = None,
    filters_override: dict[str, Any] | None = None,
    variables_override: dict[str, Any] | None = None,
    client_query_id: str | None = None,
    prepared: Prepared | None = None,
) -> dict[str, Any]:
    """``tile``: the dashboard tile of a ``from_dashboard`` retrieve, with its dashboard loaded.
    ``prepared``: from ``prepare_page``, for an insight of a list page."""
    fields: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
    fields["timezone"] = team.timezone
    # A filter-only (legacy) insight is computed from its converted filters.
    query = insight_query(insight.query, insight.filters)
    if not query:
        return fields
    try:
        response = run_query(
            team=team,
            query=query,
            refresh=refresh,
            client_query_id=client_query_id or None,
            insight_id=insight.pk,
            dashboard_id=tile.dashboard_id if tile is not None else None,
            filters_override=_effective_filters(tile, filters_override),
            variables_override=variables_override,
            user=user,
            prepared=prepared,
        )
    except ValidationError as exc:
        # A stored query this service cannot run (e.g. a funnel) must not break a list page:
        # answer like a calculation error, with the reason in query_status.
        status = new_status(team_id=team.pk, query_id=f"insight-{insight.pk}", query_async=False)
        status.complete = True
        status.error = True
        status.error_message = _first_message(exc.detail)
        fields["query_status"] = status.as_json()
        return fields
    fields.update(
        result=response.get("results"),
        hasMore=response.get("hasMore"),
        columns=response.get("columns"),
        types=response.get("types"),
        hogql=response.get("hogql"),
        last_refresh=response.get("last_refresh"),
        cache_target_age=response.get("cache_target_age"),
        next_allowed_client_refresh=response.get("next_allowed_client_refresh"),
        is_cached=response.get("is_cached"),
        timezone=response.get("timezone") or team.timezone,
        resolved_date_range=response.get("resolved_date_range"),
        filters_hash=response.get("cache_key"),
        query_status=response.get("query_status"),
    )
    return fields


def page_results(
    *, insights: list[Insight], team: Team, refresh: ExecutionMode, user: Any
) -> dict[int, dict[str, Any]]:
    """Each insight's result fields as a list page shows them, keyed by insight id."""
    prepared = prepare_page(insights=insights, team=team)
    keys = [key for each in prepared.values() for key in read_keys(each)]
    with result_cache.read_ahead(keys):
        return {
            insight.pk: insight_results(
                insight=insight,
                team=team,
                refresh=refresh,
                user=user,
                prepared=prepared.get(insight.pk),
            )
            for insight in insights
        }


def prepare_page(*, insights: Iterable[Insight], team: Team) -> dict[int, Prepared]:
    """Each insight's query prepared as a list page runs it (no dashboard, no overrides, no
    ``client_query_id``), keyed by insight id, so the page can read every cached result in one
    ``MGET`` (``read_keys``) and run each query without preparing it again. An insight whose
    query this service cannot run is left out (its fields report why)."""
    prepared: dict[int, Prepared] = {}
    for insight in insights:
        query = insight_query(insight.query, insight.filters)
        if not query:
            continue
        try:
            prepared[insight.pk] = prepare(team=team, query=query)
        except ValidationError:
            continue
    return prepared


def _effective_filters(
    tile: DashboardTile | None, filters_override: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Dashboard filters (or the tile's own overrides) with ``filters_override`` on top."""
    base: dict[str, Any] = {}
    if tile is not None:
        base = dict(tile.filters_overrides or tile.dashboard.filters or {})
    merged = {**base, **(filters_override or {})}
    return merged or None


def _first_message(detail: Any) -> str:
    while isinstance(detail, dict | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)
