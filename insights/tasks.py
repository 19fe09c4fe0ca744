"""Celery tasks of the insights app: thin, named, ids only; the work is in ``queries/async_jobs``."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from insights.queries.async_jobs import ClaimedElsewhere
from insights.queries.async_jobs import TeamBusy
from insights.queries.async_jobs import fail_job
from insights.queries.async_jobs import run_job

logger = logging.getLogger(__name__)

# A busy team or a not-yet-expired claim is looked at again this often, this many times.
RETRY_COUNTDOWN_SECONDS = 2
MAX_RETRIES = 300
BUSY_MESSAGE = "This query could not start: the project had too many queries running."


@shared_task(
    bind=True,
    name="insights.refresh_query",
    queue="insights_refresh",
    # Idempotent (a finished job is skipped), so a delivery lost with its worker may run again;
    # async_jobs caps how often.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def refresh_query(self: Any, team_id: int, query_id: str) -> str:
    try:
        outcome = run_job(team_id=team_id, query_id=query_id)
    except (TeamBusy, ClaimedElsewhere) as exc:
        if self.request.retries >= MAX_RETRIES:
            fail_job(team_id=team_id, query_id=query_id, error_message=BUSY_MESSAGE)
            return "gave_up"
        countdown = max(RETRY_COUNTDOWN_SECONDS, int(3 * settings.QUERY_ASYNC_HEARTBEAT_SECONDS))
        if isinstance(exc, TeamBusy):
            countdown = RETRY_COUNTDOWN_SECONDS
        raise self.retry(exc=exc, countdown=countdown) from exc
    logger.info("insights.refresh_query team=%s query=%s: %s", team_id, query_id, outcome)
    return outcome
