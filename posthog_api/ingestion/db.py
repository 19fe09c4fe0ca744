"""A server-side-binding cursor on Django's connection, for the ingestion hot path.

Django's psycopg backend binds parameters client-side, which escapes every character of every
array element in Python; for a 100-event batch that costs more than the INSERT itself. A plain
``psycopg.Cursor`` on the same connection (so inside the same ``transaction.atomic``) sends the
arrays in binary (``%b``) instead.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection


def server_cursor() -> psycopg.Cursor[tuple[Any, ...]]:
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    return psycopg.Cursor(raw)
