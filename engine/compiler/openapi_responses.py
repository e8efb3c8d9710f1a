"""An operation's ``outputSchema`` from its OpenAPI success response, when that is a JSON object.

MCP clients validate ``structuredContent`` against a tool's output schema and reject a call whose
result does not conform, while real APIs stray from their documents (a field left out, a null,
an extra value). So the schema kept is the response's shape, not its rules: properties and items
as documented, every nested type also allowing ``null``, and no ``required``, ``enum``, formats,
bounds or ``additionalProperties: false``. A schema past ``MAX_NODES`` (the converter's bound) is
cut like every converted schema. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compiler.openapi_schema import Resolver, SchemaConverter

_SUCCESS = ("200", "201", "202", "203", "2XX", "2xx")
_RULES = frozenset({
    "required", "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "multipleOf", "minProperties", "maxProperties", "default",
})  # fmt: skip


def output_schema(
    resolver: Resolver, converter: SchemaConverter, op: Mapping[str, Any]
) -> dict[str, Any] | None:
    schema = _success_schema(resolver, op)
    if schema is None:
        return None
    converted = converter.convert(schema)
    if converted.get("type") != "object" and "properties" not in converted:
        return None
    shape: dict[str, Any] = _shape(converted)
    shape["type"] = "object"  # the top level must be an object for every revision
    return shape


def _success_schema(resolver: Resolver, op: Mapping[str, Any]) -> Any:
    responses = resolver.deref(op.get("responses"))
    if not isinstance(responses, Mapping):
        return None
    for code in _SUCCESS:
        response = resolver.deref(responses.get(code))
        if not isinstance(response, Mapping):
            continue
        content = response.get("content")
        if isinstance(content, Mapping):  # OpenAPI 3
            media = next((m for m in content if "json" in str(m).lower()), None)
            body = resolver.deref(content.get(media)) if media is not None else None
            return body.get("schema") if isinstance(body, Mapping) else None
        return response.get("schema")  # Swagger 2.0
    return None


def _shape(node: Any) -> Any:
    if isinstance(node, list):
        return [_shape(n) for n in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _RULES or (key == "additionalProperties" and value is False):
            continue
        if key == "properties" and isinstance(value, Mapping):
            out[key] = {name: _shape(v) for name, v in value.items()}
        elif key == "type":
            types = value if isinstance(value, list) else [value]
            out[key] = [*types, "null"] if "null" not in types else types
        else:
            out[key] = _shape(value)
    return out
