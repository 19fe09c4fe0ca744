"""Which API key scope an action needs, and whether a key holds it."""

from __future__ import annotations

from typing import Any

READ_ACTIONS = frozenset({"list", "retrieve"})
WRITE_ACTIONS = frozenset({"create", "update", "partial_update", "destroy"})


def required_scopes(view: Any, method: str) -> list[str] | None:
    """The scopes the view's current action needs; None means the action has no scope.

    1. ``required_scopes`` on the action (``@action(required_scopes=[...])``) or view wins.
    2. Otherwise the view's ``scope_object`` with read/write decided by the action name.
    """
    explicit = getattr(view, "required_scopes", None)
    if explicit:
        return list(explicit)
    scope_object = getattr(view, "scope_object", None)
    if not scope_object:
        return None
    action = getattr(view, "action", None) or ""
    if method == "OPTIONS":
        return [f"{scope_object}:read"]
    if action in WRITE_ACTIONS or action in getattr(view, "scope_object_write_actions", ()):
        return [f"{scope_object}:write"]
    if action in READ_ACTIONS or action in getattr(view, "scope_object_read_actions", ()):
        return [f"{scope_object}:read"]
    return None


def key_has_scope(key_scopes: list[str], scope: str) -> bool:
    if "*" in key_scopes or scope in key_scopes:
        return True
    obj, _, access = scope.partition(":")
    # Holding write implies read.
    return access == "read" and f"{obj}:write" in key_scopes
