"""Start-up check: a forced search mode the database cannot serve stops ``migrate`` (and so
``make run``) with a message naming the setting, instead of a 500 on the first search."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Error
from django.core.checks import Tags
from django.core.checks import register
from django.db import connections

from insights.search import database_has_pg_trgm


@register(Tags.database)
def search_mode_is_servable(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """Django runs database checks only where a command asks for them (``migrate`` does)."""
    if settings.INSIGHT_SEARCH_MODE != "trigram" or not databases:
        return []
    missing = [alias for alias in databases if not database_has_pg_trgm(connections[alias])]
    return [
        Error(
            "INSIGHT_SEARCH_MODE=trigram, but this PostgreSQL has no pg_trgm extension.",
            hint="Install pg_trgm (postgresql-contrib) and migrate, or set INSIGHT_SEARCH_MODE "
            "to auto (uses pg_trgm where present) or python.",
            id="insights.E001",
        )
        for alias in missing
    ]
