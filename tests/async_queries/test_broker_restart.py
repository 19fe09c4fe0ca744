"""The Celery worker outlives a Redis restart: it reconnects, and jobs sent afterwards complete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from insights.queries.db import application_name
from insights.queries.execution import run_query
from posthog_api.celery import app as celery_app
from tests.async_queries.helpers import tagged_backends
from tests.async_queries.redis_server import RedisServer
from tests.async_queries.test_worker import QUERY
from tests.async_queries.test_worker import events  # noqa: F401  (a fixture)
from tests.async_queries.test_worker import finished
from tests.async_queries.test_worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_redis(settings: Any, tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own (cache, job state and broker), for it and its worker alone."""
    server = RedisServer(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": server.url},
    }
    cache.close()
    # The Celery app reads its broker URL when it first opens a connection and then keeps a
    # connection pool: point it at this server for the test, and give the old pools back after.
    saved = celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool
    celery_app.conf.broker_url = server.url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield server
    celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved
    cache.close()
    server.stop()


def test_the_worker_survives_a_redis_restart_mid_task_and_later_jobs_complete(
    own_redis,
    celery_worker,
    team,
    events,  # noqa: F811
    table_lock,
):
    worker = celery_worker()
    run_query(team=team, query=QUERY, refresh="force_async", client_query_id="during")
    tag = application_name(team_id=team.pk, client_query_id="during")
    wait_for(lambda: tagged_backends(tag) == 1, "the worker to be busy with a query")

    own_redis.kill()
    # Restart Redis only once the worker has failed to reconnect at least once, as after a real
    # crash: its consumer steps have restarted against a broker that is not there.
    wait_for(lambda: any("Cannot connect to" in line for line in worker.log), "a failed reconnect")
    own_redis.start()
    wait_for(lambda: "".join(worker.log).count("Connected to") == 2, "the worker to reconnect")
    # The task that was running all along now finishes and acknowledges on the new connection.
    table_lock()

    run_query(
        team=team,
        query={**QUERY, "interval": "week"},
        refresh="force_async",
        client_query_id="after",
    )
    assert finished(team, "after").complete is True
    assert finished(team, "during").complete is True
    log = "".join(worker.log)
    assert worker.process.poll() is None, log
    assert "Unrecoverable error" not in log
    # No consumer step may break on the reconnect (celery 5.7's Gossip step does).
    assert "Error on restarting" not in log
