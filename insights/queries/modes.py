"""The ``refresh`` parameter → PostHog's ExecutionMode (posthog-api.md §6.1)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ExecutionMode(StrEnum):
    CALCULATE_BLOCKING_ALWAYS = "force_blocking"
    CALCULATE_ASYNC_ALWAYS = "force_async"
    RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE = "blocking"
    RECENT_CACHE_CALCULATE_ASYNC_IF_STALE = "async"
    RECENT_CACHE_CALCULATE_ASYNC_IF_STALE_AND_BLOCKING_ON_MISS = "async_except_on_cache_miss"
    EXTENDED_CACHE_CALCULATE_ASYNC_IF_STALE = "lazy_async"
    CACHE_ONLY_NEVER_CALCULATE = "force_cache"


TRUE_STRINGS = frozenset({"true", "1", "yes", ""})
FALSE_STRINGS = frozenset({"false", "0", "no"})
# PostHog's insight endpoints do not list async_except_on_cache_miss (spec §6.1 drift note);
# the query endpoint accepts every mode.
INSIGHT_MODES = frozenset(m.value for m in ExecutionMode) - {"async_except_on_cache_miss"}


def execution_mode(refresh: Any, *, allowed: frozenset[str] | None = None) -> ExecutionMode:
    """Parse ``refresh`` (bool, mode string, or absent); unknown values mean force_cache."""
    if refresh is True:
        return ExecutionMode.CALCULATE_BLOCKING_ALWAYS
    if refresh is None or refresh is False:
        return ExecutionMode.CACHE_ONLY_NEVER_CALCULATE
    text = str(refresh).strip().lower() if not isinstance(refresh, str) else refresh.strip()
    if text.lower() in TRUE_STRINGS:
        return ExecutionMode.CALCULATE_BLOCKING_ALWAYS
    if text.lower() in FALSE_STRINGS:
        return ExecutionMode.CACHE_ONLY_NEVER_CALCULATE
    if text in (allowed or INSIGHT_MODES):
        return ExecutionMode(text)
    return ExecutionMode.CACHE_ONLY_NEVER_CALCULATE
