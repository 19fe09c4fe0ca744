"""The schema the fuzzer reads: openapi.yaml with every request ``query`` field bounded."""

from __future__ import annotations

import copy
from typing import Any

from fuzz.queries import bounded_query_schema

QUERY_MODEL_REF = "#/components/schemas/InsightVizNode"


def _is_query_model(prop: Any) -> bool:
    """A property typed by the query models (a ``oneOf`` over them)."""
    options = prop.get("oneOf") if isinstance(prop, dict) else None
    return isinstance(options, list) and any(o.get("$ref") == QUERY_MODEL_REF for o in options)


def bounded_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A copy of ``schema`` whose request components pick ``query`` from the examples; and how
    many fields were bounded. Responses keep the full models, so the answers are still checked
    against them."""
    result = copy.deepcopy(schema)
    bounded = 0
    for name, component in result["components"]["schemas"].items():
        if not name.endswith("Request"):
            continue
        for field, prop in (component.get("properties") or {}).items():
            if _is_query_model(prop):
                component["properties"][field] = bounded_query_schema()
                bounded += 1
    return result, bounded
