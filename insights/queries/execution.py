"""Run a query under a refresh mode: cache lookup, staleness, calculation, errors (§6.2).

Usage (HTTP views, insight results and, later, Celery workers all call this)::

    response = run_query(team=team, query=insight.query, refresh="blocking")
    response["results"], response["is_cached"], response["query_status"]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from django.utils import timezone

from insights.queries import cache
from insights.queries import runners  # noqa: F401  (registers the runners)
from insights.queries.dates import iso
from insights.queries.db import QueryCancelled
from insights.queries.db import QueryTimedOut
from insights.queries.enqueue import checked_status
from insights.queries.enqueue import enqueue_job
from insights.queries.modes import ExecutionMode
from insights.queries.modes import execution_mode
from insights.queries.overrides import apply_filters_override
from insights.queries.runners.base import QueryRunner
from insights.queries.runners.registry import runner_for
from insights.queries.schema import source_of
from insights.queries.schema import validate_and_parse
from insights.queries.status import CANCELLED_MESSAGE
from insights.queries.status import QueryStatus
from insights.queries.status import new_status
from insights.queries.status import parse_status
from insights.queries.status import save_status
from insights.queries.status import status_key
from posthog_api.models import Team

logger = logging.getLogger(__name__)

TIMEOUT_MESSAGE = "Query timed out: it ran longer than the statement timeout."
FAILED_MESSAGE = "The query could not be calculated."


@dataclass
class Prepared:
    """A validated query bound to its runner and cache key."""

    team: Team
    source: dict[str, Any]
    runner: QueryRunner
    cache_key: str
    client_query_id: str | None


def prepare(
    *,
    team: Team,
    query: dict[str, Any],
    client_query_id: str | None = None,
    filters_override: Any = None,
) -> Prepared:
    """Validate (400 naming the field), apply overrides, pick the runner (400 if unsupported)."""
    normalised, typed = validate_and_parse(query)
    source = source_of(normalised)
    if filters_override:
        source = apply_filters_override(source, filters_override)
        source, typed = validate_and_parse(source)
    runner = runner_for(team=team, query=typed, client_query_id=client_query_id)
    key = cache.cache_key(
        team_id=team.pk,
        kind=runner.kind,
        query=source,
        tz=team.timezone,
        week_start_day=team.week_start_day,
    )
    return Prepared(
        team=team, source=source, runner=runner, cache_key=key, client_query_id=client_query_id
    )


def _fields(prepared: Prepared, last_refresh: datetime | None) -> dict[str, Any]:
    if last_refresh is None:
        return {
            "is_cached": False,
            "last_refresh": None,
            "next_allowed_client_refresh": None,
            "cache_target_age": None,
            "cache_key": prepared.cache_key,
            "timezone": prepared.team.timezone,
        }
    target = last_refresh + cache.threshold(prepared.runner.interval())
    return {
        "is_cached": False,
        "last_refresh": iso(last_refresh),
        "next_allowed_client_refresh": iso(last_refresh + cache.NEXT_REFRESH_DELAY),
        "cache_target_age": iso(target),
        "cache_key": prepared.cache_key,
        "timezone": prepared.team.timezone,
    }


def _error_status(prepared: Prepared, message: str) -> dict[str, Any]:
    status = new_status(
        team_id=prepared.team.pk,
        query_id=prepared.client_query_id or prepared.cache_key,
        query_async=False,
    )
    status.complete = True
    status.error = True
    status.error_message = message
    status.end_time = timezone.now()
    return status.as_json()


def calculate_and_cache(prepared: Prepared) -> dict[str, Any]:
    """Compute now; cache the result unless it failed or was cancelled."""
    now = timezone.now()
    try:
        calculated = prepared.runner.calculate()
    except QueryCancelled:
        return {
            "results": None,
            **_fields(prepared, None),
            "query_status": _error_status(prepared, CANCELLED_MESSAGE),
        }
    except QueryTimedOut:
        return {
            "results": None,
            **_fields(prepared, None),
            "query_status": _error_status(prepared, TIMEOUT_MESSAGE),
        }
    except Exception as exc:
        if getattr(exc, "status_code", 500) < 500:
            raise  # bad input found while building SQL is still a 400
        logger.exception("Query calculation failed (team %s)", prepared.team.pk)
        return {
            "results": None,
            **_fields(prepared, None),
            "query_status": _error_status(prepared, FAILED_MESSAGE),
        }
    payload = {**calculated, **_fields(prepared, now)}
    cache.write(prepared.cache_key, payload)
    return {**payload, "query_status": None}


def _patch_custom_names(payload: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """Custom names are not part of the cache key: put the current ones into cached results."""
    series = source.get("series") or []
    results = payload.get("results")
    if not isinstance(results, list):
        return payload
    for item in results:
        # A funnel with a breakdown has one list of steps per value; a funnel step carries
        # its own order and custom_name (unordered steps have no action_id and no name).
        for entry in item if isinstance(item, list) else [item]:
            if not isinstance(entry, dict):
                continue
            action = entry.get("action")
            if not isinstance(action, dict):
                action = entry if entry.get("action_id") is not None else None
            if isinstance(action, dict) and isinstance(action.get("order"), int):
                order = action["order"]
                if 0 <= order < len(series):
                    action["custom_name"] = series[order].get("custom_name")
    return payload


def enqueue_query(
    *, prepared: Prepared, query_id: str, insight_id: int | None, dashboard_id: int | None
) -> QueryStatus:
    """Start a refresh on a worker (``enqueue.enqueue_job``) and return its (pending) status.

    If Redis (the broker and the job store) is unreachable, the refresh is computed here instead,
    so the caller still gets an answer rather than a job that can never run.
    """
    try:
        return enqueue_job(
            team=prepared.team,
            query=prepared.source,
            query_id=query_id,
            client_query_id=prepared.client_query_id,
            insight_id=insight_id,
            dashboard_id=dashboard_id,
        )
    except redis.RedisError:
        logger.warning("Async refresh unavailable (Redis), computing now", exc_info=True)
        return compute_now(
            prepared=prepared, query_id=query_id, insight_id=insight_id, dashboard_id=dashboard_id
        )


def compute_now(
    *, prepared: Prepared, query_id: str, insight_id: int | None, dashboard_id: int | None
) -> QueryStatus:
    """Compute the refresh in this process; the status is complete when this returns."""
    status = new_status(
        team_id=prepared.team.pk,
        query_id=query_id,
        insight_id=insight_id,
        dashboard_id=dashboard_id,
    )
    status.pickup_time = timezone.now()
    save_status(status)
    response: dict[str, Any] = calculate_and_cache(prepared)
    status.complete = True
    status.end_time = timezone.now()
    error = response.get("query_status")
    if error and error.get("error"):
        status.error = True
        status.error_message = error.get("error_message")
    else:
        status.results = response
    save_status(status)
    return status


def read_keys(prepared: Prepared) -> tuple[str, str]:
    """The Redis keys a run of ``prepared`` reads first: its cached result and its job status."""
    query_id = prepared.client_query_id or prepared.cache_key
    return prepared.cache_key, status_key(prepared.team.pk, query_id)


def run_query(
    *,
    team: Team,
    query: dict[str, Any],
    refresh: Any,
    client_query_id: str | None = None,
    user: Any = None,
    insight_id: int | None = None,
    dashboard_id: int | None = None,
    filters_override: Any = None,
    variables_override: Any = None,
    allowed_modes: frozenset[str] | None = None,
    prepared: Prepared | None = None,
) -> dict[str, Any]:
    """The full response (results + cache fields + ``query_status``) under ``refresh``.

    ``variables_override`` only applies to HogQL queries, which this service does not run yet.
    ``prepared``, when given, is ``prepare()`` of these same arguments, done once already (a list
    page prepares every insight up front to read their results in one ``MGET``).
    """
    mode = (
        refresh
        if isinstance(refresh, ExecutionMode)
        else execution_mode(refresh, allowed=allowed_modes)
    )
    prepared = prepared or prepare(
        team=team, query=query, client_query_id=client_query_id, filters_override=filters_override
    )
    query_id = client_query_id or prepared.cache_key

    def enqueue() -> dict[str, Any]:
        return enqueue_query(
            prepared=prepared, query_id=query_id, insight_id=insight_id, dashboard_id=dashboard_id
        ).as_json()

    if mode == ExecutionMode.CALCULATE_BLOCKING_ALWAYS:
        return calculate_and_cache(prepared)
    if mode == ExecutionMode.CALCULATE_ASYNC_ALWAYS:
        return {"results": None, **_fields(prepared, None), "query_status": enqueue()}

    result_key, job_key = read_keys(prepared)
    cached, (raw_status,) = cache.read_with(result_key, job_key)
    # Dead-worker aware, as GET /query/<id>/ reports it: a job whose worker died shows as failed.
    running = checked_status(parse_status(raw_status), team_id=team.pk, query_id=query_id)
    pending = running.as_json() if running and not running.complete else None
    if cached is not None:
        last_refresh = datetime.fromisoformat(cached["last_refresh"])
        lazy = mode == ExecutionMode.EXTENDED_CACHE_CALCULATE_ASYNC_IF_STALE
        stale = cache.is_stale(
            last_refresh=last_refresh,
            interval=prepared.runner.interval(),
            date_to=prepared.runner.date_to(),
            lazy=lazy,
        )
        response = {
            **_patch_custom_names(cached, prepared.source),
            "is_cached": True,
            "query_status": pending,
        }
        if not stale or mode == ExecutionMode.CACHE_ONLY_NEVER_CALCULATE:
            return response
        if mode == ExecutionMode.RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE:
            return calculate_and_cache(prepared)
        response["query_status"] = enqueue()
        return response

    if mode == ExecutionMode.CACHE_ONLY_NEVER_CALCULATE:
        return {"results": None, **_fields(prepared, None), "query_status": pending}
    if mode in (
        ExecutionMode.RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE,
        ExecutionMode.RECENT_CACHE_CALCULATE_ASYNC_IF_STALE_AND_BLOCKING_ON_MISS,
    ):
        return calculate_and_cache(prepared)
    return {"results": None, **_fields(prepared, None), "query_status": enqueue()}
