"""The result fields of an insight response, in one place.

Computed by the query engine (``insights.queries.execution.run_query``); the serializer calls it for retrieve, create/update responses and
each insight of a non-basic list page, passing the normalised ``refresh`` mode (``force_cache``,
``blocking``, ``async``, ``async_except_on_cache_miss``, ``lazy_async``, ``force_async`` or
``force_blocking``) and the request's ``client_query_id`` (which tags the running statement, so
``POST insights/cancel/`` can cancel it). Any key it returns overrides the serializer's value of
that key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.exceptions import ValidationError

from insights.models import DashboardTile
from insights.models import Insight
from insights.queries.execution import Prepared
from insights.queries.execution import prepare
from insights.queries.execution import run_query
from insights.queries.legacy_filters import insight_query
from insights.queries.modes import DEFAULT_MODE
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


def insight_result_fields(
    *,
    insight: Insight,
    team: Team,
    refresh: ExecutionMode | None,
    filters_override: dict[str, Any] | None,
    variables_override: dict[str, Any] | None,
    dashboard_id: int | None,
    user: Any,
    client_query_id: str | None = None,
    prepared: Prepared | None = None,
) -> dict[str, Any]:
    """``prepared``: from ``prepare_page``, for an insight of a list page."""
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
            refresh=refresh or DEFAULT_MODE,
            client_query_id=client_query_id or None,
            insight_id=insight.pk,
            dashboard_id=dashboard_id,
            filters_override=_effective_filters(insight, dashboard_id, filters_override),
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
    insight: Insight, dashboard_id: int | None, filters_override: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Dashboard filters (or the tile's own overrides) with ``filters_override`` on top."""
    base: dict[str, Any] = {}
    if dashboard_id is not None:
        tile = (
            DashboardTile.objects.select_related("dashboard")
            .filter(insight=insight, dashboard_id=dashboard_id)
            .first()
        )
        if tile is not None:
            base = dict(tile.filters_overrides or tile.dashboard.filters or {})
    merged = {**base, **(filters_override or {})}
    return merged or None


def _first_message(detail: Any) -> str:
    while isinstance(detail, dict | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)
