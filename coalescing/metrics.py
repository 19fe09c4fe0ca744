"""Prometheus counters for the coalescing layer, served at ``/metrics`` (see ``views.py``)."""

from __future__ import annotations

from prometheus_client import Counter

LEADERS = Counter(
    "query_coalescing_leaders", "Requests that computed the answer themselves as flight leader."
)
FOLLOWERS = Counter(
    "query_coalescing_followers", "Requests that waited for another request's identical answer."
)
SHARED = Counter(
    "query_coalescing_shared",
    "Followers given the leader's stored answer (served only after their own checks).",
)
TAKEOVERS = Counter(
    "query_coalescing_takeovers", "Followers that became leader after the leader stopped beating."
)
TIMEOUTS = Counter(
    "query_coalescing_timeouts", "Followers that gave up waiting and answered a retryable 503."
)
FAIL_OPEN = Counter(
    "query_coalescing_fail_open", "Requests that ran on their own because Redis failed."
)
NOT_SHARED = Counter(
    "query_coalescing_not_shared", "Leader answers (4xx, streaming) that followers must not reuse."
)
