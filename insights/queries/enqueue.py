"""THE place async refreshes start: a Celery job (``async_jobs.enqueue_job``) on queue
``insights_refresh``; the worker rebuilds the query with ``execution.prepare`` and runs
``execution.calculate_and_cache``, so the cache key and payload are identical to a sync run.

If Redis (the broker and the job store) is unreachable, the refresh is computed synchronously
instead, so the caller still gets an answer rather than a job that can never run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from typing import Any

import redis
from django.utils import timezone

from insights.queries.async_jobs import enqueue_job
from insights.queries.status import QueryStatus
from insights.queries.status import new_status
from insights.queries.status import save_status

if TYPE_CHECKING:
    from insights.queries.execution import Prepared

logger = logging.getLogger(__name__)


def enqueue_query(
    *, prepared: Prepared, query_id: str, insight_id: int | None, dashboard_id: int | None
) -> QueryStatus:
    """Start a refresh on a worker and return its (pending) status."""
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
    from insights.queries.execution import calculate_and_cache

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
