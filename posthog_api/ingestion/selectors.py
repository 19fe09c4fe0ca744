"""Reads for ingestion."""

from __future__ import annotations

import time

from django.conf import settings

from posthog_api.models import Team

# token -> (team, monotonic expiry). SDK traffic sends the same token on every request, and a
# lookup per batch is a measurable share of a batch's cost; a rotated token keeps working in a
# running worker for at most INGESTION_TOKEN_CACHE_SECONDS.
_TEAM_BY_TOKEN: dict[str, tuple[Team, float]] = {}
_MAX_CACHED = 10_000


def team_for_token(*, token: str) -> Team | None:
    """The team whose project API token (``phc_...``) this is."""
    if "\x00" in token:
        # No token holds a NUL, and PostgreSQL refuses one in a text parameter.
        return None
    ttl = float(settings.INGESTION_TOKEN_CACHE_SECONDS)
    now = time.monotonic()
    cached = _TEAM_BY_TOKEN.get(token)
    if cached is not None and cached[1] > now:
        return cached[0]
    team = Team.objects.filter(api_token=token).only("id", "api_token").first()
    if team is not None and ttl > 0:
        if len(_TEAM_BY_TOKEN) >= _MAX_CACHED:
            _TEAM_BY_TOKEN.clear()
        _TEAM_BY_TOKEN[token] = (team, now + ttl)
    return team
