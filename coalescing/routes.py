"""Which requests may be coalesced, decided from the URLconf rather than from path regexes.

A request qualifies when it is a GET or POST, its path resolves to a ViewSet that has
``QueryCoalescingMixin`` and lists the resolved action in ``coalesce_actions``, the ViewSet's
``coalesces(request, action)`` agrees (an insight retrieve that only reads the cache has nothing
to compute), and the URL names a numeric team id. ``@current`` is never coalesced: it means a
different team for each caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import Resolver404
from django.urls import resolve

from coalescing.mixins import QueryCoalescingMixin

COALESCED_METHODS = frozenset({"GET", "POST"})


@dataclass(frozen=True)
class Coalescing:
    team_id: str
    reuse_finished: bool  # the ViewSet's ``reuses_finished_answers``


def coalescing_for(request: HttpRequest) -> Coalescing | None:
    """How this request takes part in coalescing; None if it may not be coalesced."""
    method = request.method or ""
    if method not in COALESCED_METHODS:
        return None
    if not request.path_info.startswith("/api/"):
        # Every ViewSet is mounted under /api/ (posthog_api/urls.py): SDK capture traffic, the
        # busiest path, skips a URL resolve that could only fail.
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    view_class = getattr(match.func, "cls", None)
    if view_class is None or not issubclass(view_class, QueryCoalescingMixin):
        return None
    actions = getattr(match.func, "actions", None) or {}
    action = actions.get(method.lower())
    if action is None or action not in view_class.coalesce_actions:
        return None
    if not view_class.coalesces(request, action):
        return None
    team_id = match.kwargs.get("team_id")
    if not isinstance(team_id, str) or not team_id.isdigit():
        return None
    return Coalescing(team_id, view_class.reuses_finished_answers(request, action))


def coalescing_team_id(request: HttpRequest) -> str | None:
    """The URL's team id if this request may be coalesced, else None."""
    found = coalescing_for(request)
    return None if found is None else found.team_id
