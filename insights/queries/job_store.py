"""What the web side and the worker side of async jobs share: the job record and Redis key names.

The job (query JSON and ids) lives in Redis next to its status; the Celery task, sent by name
(``REFRESH_TASK``), only carries ``team_id`` and ``query_id``.
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import orjson
import redis
from django.conf import settings

from insights.queries.status import STATUS_TTL
from posthog_api.redis_client import client_for

# The Celery task that runs a job (defined in insights/tasks.py, which the engine never imports).
REFRESH_TASK = "insights.refresh_query"


@dataclass(frozen=True)
class Job:
    team_id: int
    query_id: str
    query: dict[str, Any]
    client_query_id: str | None = None
    user_id: int | None = None
    insight_id: int | None = None
    dashboard_id: int | None = None


def job_redis() -> redis.Redis:
    return client_for(settings.REDIS_URL)


def _key(kind: str, team_id: int, query_id: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}async_query:{kind}:{team_id}:{query_id}"


def claim_key(team_id: int, query_id: str) -> str:
    """Held (with a heartbeat) by the one worker process running the job."""
    return _key("claim", team_id, query_id)


def save_job(job: Job) -> None:
    key = _key("job", job.team_id, job.query_id)
    job_redis().set(key, orjson.dumps(asdict(job)), ex=int(STATUS_TTL.total_seconds()))


def load_job(*, team_id: int, query_id: str) -> Job | None:
    raw = job_redis().get(_key("job", team_id, query_id))
    return Job(**orjson.loads(raw)) if raw else None


def is_claimed(*, team_id: int, query_id: str) -> bool:
    return bool(job_redis().exists(claim_key(team_id, query_id)))
