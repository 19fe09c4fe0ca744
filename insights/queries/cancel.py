"""Cancel a running engine query by team and client_query_id.

One statement finds and signals the backend, so the tag and the pid are checked together: a pid
recycled by another connection between a lookup and a kill can never be hit.
"""

from __future__ import annotations

from django.db import connection

from insights.queries.db import application_name
from insights.queries.enqueue import cancel_async_query


def cancel_query(*, team_id: int, client_query_id: str) -> bool:
    """Cancel the team's running statements tagged with ``client_query_id``; True if any."""
    # An async job is marked cancelled first: a queued one is then never run, and a running one
    # keeps the cancelled status when its statement fails below.
    cancel_async_query(team_id=team_id, client_query_id=client_query_id)
    tag = application_name(team_id=team_id, client_query_id=client_query_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND pid <> pg_backend_pid()",
            [tag],
        )
        return any(row[0] for row in cursor.fetchall())
