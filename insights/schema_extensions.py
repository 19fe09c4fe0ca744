"""OpenAPI for the ``query`` field: the engine's pydantic query models, as components.

The same typed definitions that validate a posted query (``insights/queries/schema.py``) describe
it in the schema, so the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from pydantic import TypeAdapter

from insights.queries.schema import QueryRoot


def to_openapi_30(node: Any) -> Any:
    """Pydantic emits JSON Schema 2020-12; OpenAPI 3.0 spells null and constants differently."""
    if isinstance(node, list):
        return [to_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: to_openapi_30(value) for key, value in node.items() if key != "examples"}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if node.get("type") == "null":
        node.pop("type")
        node["nullable"] = True
    for keyword in ("anyOf", "oneOf"):
        options = node.get(keyword)
        if not isinstance(options, list):
            continue
        kept = [option for option in options if option != {"nullable": True}]
        if len(kept) == len(options):
            continue
        node["nullable"] = True
        if len(kept) == 1:
            node.pop(keyword)
            only = kept[0]
            node.update({"allOf": [only]} if "$ref" in only else only)
        else:
            node[keyword] = kept
    return node


def _keep_enums_inline(definition: dict[str, Any]) -> dict[str, Any]:
    """Wrap property enums in ``allOf`` so drf-spectacular does not hoist them into shared
    ``<Name>Enum`` components: the query models have many unrelated ``type``/``operator`` sets
    that would collide there."""
    properties = definition.get("properties") or {}
    for name, prop in properties.items():
        target = prop.get("items") if isinstance(prop.get("items"), dict) else prop
        if "enum" in target:
            inner = {key: target.pop(key) for key in ("enum", "type") if key in target}
            target["allOf"] = [inner]
        properties[name] = prop
    return definition


def query_json_schema() -> dict[str, Any]:
    schema = TypeAdapter(QueryRoot).json_schema(ref_template="#/components/schemas/{model}")
    return dict(to_openapi_30(schema))


class QueryFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "insights.serializers.fields.QueryField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = query_json_schema()
        for name, definition in schema.pop("$defs", {}).items():
            auto_schema.registry.register_on_missing(
                ResolvedComponent(
                    name=name,
                    type=ResolvedComponent.SCHEMA,
                    object=name,
                    schema=_keep_enums_inline(definition),
                )
            )
        return {**schema, "nullable": True}
