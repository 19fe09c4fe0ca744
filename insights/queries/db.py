"""The one place engine SQL runs: under a statement timeout and an application_name tag.

Usage::

    rows = run_sql(sql, params, team_id=team.pk, client_query_id="abc")

The tag ``phq:<team_id>:<sha1(client_query_id)[:16]>`` lets ``cancel.cancel_query`` find exactly
this team's statement in ``pg_stat_activity``. Both settings are transaction-local
(``set_config(..., true)``), so a pooled connection never keeps a stale tag or timeout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.db import connection
from django.db import transaction

TAG_PREFIX = "phq"


class QueryCancelled(Exception):
    """The statement was cancelled through ``cancel_query`` (pg_cancel_backend)."""


class QueryTimedOut(Exception):
    """The statement ran longer than ``QUERY_STATEMENT_TIMEOUT_MS``."""


def application_name(*, team_id: int, client_query_id: str | None) -> str:
    """The tag a running engine query carries (at most 63 characters, PostgreSQL's limit)."""
    digest = hashlib.sha1((client_query_id or "").encode(), usedforsecurity=False).hexdigest()
    return f"{TAG_PREFIX}:{team_id}:{digest[:16]}"


def run_sql(
    sql: str, params: Sequence[Any], *, team_id: int, client_query_id: str | None
) -> list[tuple[Any, ...]]:
    """Run one engine statement and return its rows; cancellation and timeout are typed errors."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true),"
                " set_config('application_name', %s, true)",
                [
                    str(int(settings.QUERY_STATEMENT_TIMEOUT_MS)),
                    application_name(team_id=team_id, client_query_id=client_query_id),
                ],
            )
            cursor.execute(sql, list(params))
            return list(cursor.fetchall())
    except OperationalError as exc:
        cause = exc.__cause__ or exc
        if getattr(cause, "sqlstate", None) == "57014":  # query_canceled
            if "statement timeout" in str(cause):
                raise QueryTimedOut(str(cause)) from exc
            raise QueryCancelled(str(cause)) from exc
        raise
