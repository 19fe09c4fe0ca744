"""Postgres helpers shared by the async and coalescing tests: the test database's URL (for
subprocesses), a lock that holds engine queries mid-flight, and a look at running statements."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection


def worker_database_url() -> str:
    """The URL of the database this test runs against (pytest-django's test database)."""
    cfg = connection.settings_dict
    user = quote(cfg["USER"] or "")
    password = f":{quote(cfg['PASSWORD'])}" if cfg["PASSWORD"] else ""
    host = cfg["HOST"] or ""
    port = cfg["PORT"] or "5432"
    if host.startswith("/"):
        return f"postgres://{user}{password}@localhost:{port}/{cfg['NAME']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host or 'localhost'}:{port}/{cfg['NAME']}"


@pytest.fixture
def table_lock() -> Iterator[Callable[[], None]]:
    """Hold an exclusive lock on the events table and its hourly rollup (which plain-count
    trends read) from our own connection, so engine queries block mid-flight until the returned
    ``release()`` is called."""
    conn = psycopg.connect(
        worker_database_url().replace("postgres://", "postgresql://", 1), autocommit=False
    )
    conn.execute(
        "LOCK TABLE posthog_api_event, posthog_api_eventhourlycount IN ACCESS EXCLUSIVE MODE"
    )

    def release() -> None:
        if not conn.closed:
            conn.rollback()
            conn.close()

    yield release
    release()


def tagged_backends(tag: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [tag])
        return cursor.fetchone()[0]
