"""Celery tasks of the insights app: thin, named, ids only; the work is in ``queries/job_runner``.

The web side sends ``insights.refresh_query`` by name (``queries/enqueue.py``), with the time
limits from settings read when it sends; nothing here reads a setting at import.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from insights.queries.job_runner import ClaimedElsewhere
from insights.queries.job_runner import TeamBusy
from insights.queries.job_runner import postpone_deadline
from insights.queries.job_runner import retry_countdown
from insights.queries.job_runner import run_job
from insights.queries.job_state import fail_job
from insights.queries.job_store import REFRESH_TASK

logger = logging.getLogger(__name__)

# A busy team or a not-yet-expired claim is looked at again, this many times at most.
MAX_RETRIES = 300
BUSY_MESSAGE = "This query could not start: the project had too many queries running."


@shared_task(
    bind=True,
    name=REFRESH_TASK,
    queue="insights_refresh",
    # Idempotent (a finished job is skipped), so a delivery lost with its worker may run again;
    # job_runner caps how often.
    acks_late=True,
    reject_on_worker_lost=True,
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
        countdown = retry_countdown(exc)
        # Not lost, only waiting: a pickup deadline must not fail it meanwhile.
        postpone_deadline(team_id=team_id, query_id=query_id, seconds=countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc
    logger.info("insights.refresh_query team=%s query=%s: %s", team_id, query_id, outcome)
    return outcome
