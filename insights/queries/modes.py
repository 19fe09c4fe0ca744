"""The ``refresh`` parameter → PostHog's ExecutionMode (posthog-api.md §6.1): the one parser.

Every endpoint that takes ``refresh`` (insights list, retrieve, create, update; ``/query/``) parses it
here, so one value means one mode everywhere:

* ``True`` or a true string (``posthog_api.booleans.TRUTHY``), and ``""`` as in PostHog: force_blocking;
* ``False`` or a false string: force_cache; absent (``None``): the endpoint's ``default``;
* a mode name (any case): that mode, all seven on every endpoint;
* anything else: a 400 naming ``refresh`` (PostHog silently falls back to force_cache, which hides
  a typo such as ``refresh=blocknig`` behind a cached answer).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from rest_framework.exceptions import ValidationError

from posthog_api.booleans import FALSY
from posthog_api.booleans import TRUTHY


class ExecutionMode(StrEnum):
    CALCULATE_BLOCKING_ALWAYS = "force_blocking"
    CALCULATE_ASYNC_ALWAYS = "force_async"
    RECENT_CACHE_CALCULATE_BLOCKING_IF_STALE = "blocking"
    RECENT_CACHE_CALCULATE_ASYNC_IF_STALE = "async"
    RECENT_CACHE_CALCULATE_ASYNC_IF_STALE_AND_BLOCKING_ON_MISS = "async_except_on_cache_miss"
    EXTENDED_CACHE_CALCULATE_ASYNC_IF_STALE = "lazy_async"
    CACHE_ONLY_NEVER_CALCULATE = "force_cache"


REFRESH_MODES = tuple(sorted(mode.value for mode in ExecutionMode))
DEFAULT_MODE = ExecutionMode.CACHE_ONLY_NEVER_CALCULATE


def execution_mode(
    refresh: Any,
    *,
    default: ExecutionMode = DEFAULT_MODE,
    allowed: frozenset[str] | None = None,
) -> ExecutionMode:
    """Parse ``refresh`` (bool, true/false string, mode name, or ``None`` for absent).

    ``allowed`` narrows the accepted mode names (a mode outside it is a 400 too); every endpoint
    accepts all of them today.
    """
    if isinstance(refresh, ExecutionMode):
        return refresh
    if refresh is None:
        return default
    if refresh is True:
        return ExecutionMode.CALCULATE_BLOCKING_ALWAYS
    if refresh is False:
        return ExecutionMode.CACHE_ONLY_NEVER_CALCULATE
    text = str(refresh).strip().lower() if isinstance(refresh, str | int) else None
    if text is not None:
        if text in TRUTHY or text == "":
            return ExecutionMode.CALCULATE_BLOCKING_ALWAYS
        if text in FALSY:
            return ExecutionMode.CACHE_ONLY_NEVER_CALCULATE
        if text in REFRESH_MODES and (allowed is None or text in allowed):
            return ExecutionMode(text)
    raise ValidationError(
        {"refresh": [f"Must be one of {', '.join(REFRESH_MODES)}, true or false."]}
    )
