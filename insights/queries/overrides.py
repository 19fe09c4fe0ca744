"""Dashboard ``filters_override`` applied to a query source (date range, properties, breakdown)."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework.exceptions import ValidationError

OVERRIDABLE_KINDS = frozenset(
    {
        "TrendsQuery",
        "FunnelsQuery",
        "RetentionQuery",
        "PathsQuery",
        "StickinessQuery",
        "LifecycleQuery",
    }
)


def apply_filters_override(source: dict[str, Any], override: Any) -> dict[str, Any]:
    """A copy of ``source`` with the override's date range, properties and breakdown applied."""
    if not override:
        return source
    if not isinstance(override, dict):
        raise ValidationError({"filters_override": ["Must be a JSON object."]})
    if source.get("kind") not in OVERRIDABLE_KINDS:
        return source
    result = copy.deepcopy(source)
    if "date_from" in override or "date_to" in override:
        date_range = dict(result.get("dateRange") or {})
        if "date_from" in override:
            date_range["date_from"] = override["date_from"]
        if "date_to" in override:
            date_range["date_to"] = override["date_to"]
        if "explicitDate" in override:
            date_range["explicitDate"] = override["explicitDate"]
        result["dateRange"] = date_range
    extra = override.get("properties")
    if extra:
        if not isinstance(extra, list):
            raise ValidationError({"filters_override": {"properties": ["Must be a list."]}})
        current = result.get("properties")
        if isinstance(current, dict):
            # Keep the stored group intact (it may be an OR) and AND the new filters to it.
            result["properties"] = {
                "type": "AND",
                "values": [
                    {"type": current.get("type", "AND"), "values": current.get("values", [])},
                    {"type": "AND", "values": extra},
                ],
            }
        else:
            result["properties"] = [*(current or []), *extra]
    if override.get("breakdown_filter"):
        result["breakdownFilter"] = override["breakdown_filter"]
    return result
