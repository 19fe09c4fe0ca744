"""The strings that mean true or false in a query parameter, a setting or a legacy filter.

One set for every parser (PostHog's ``str_to_bool`` accepts the same true strings), so ``?saved=on``,
``refresh=yes`` and ``DEBUG=t`` cannot disagree about what counts as true.
"""

from __future__ import annotations

from typing import Any

TRUTHY = frozenset({"y", "yes", "t", "true", "on", "1"})
FALSY = frozenset({"n", "no", "f", "false", "off", "0"})


def is_truthy(value: Any) -> bool:
    """``True`` itself or one of the true strings (any case, surrounding blanks ignored)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUTHY
