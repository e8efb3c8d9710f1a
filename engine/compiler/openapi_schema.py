"""OpenAPI schemas → self-contained JSON Schemas for operation inputs.

Internal ``$ref``s are inlined up to a depth bound and within a node budget, so every input
schema is finite, has no dangling ``$ref`` and stays small even for recursive or 20-deep
documents; a cut branch becomes an unconstrained schema with a note. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
MAX_DEPTH = 5  # nested levels kept below a parameter
MAX_NODES = 400  # schema nodes kept per parameter
_KEEP = (
    "title", "description", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "const",
    "multipleOf", "minProperties", "maxProperties",
)  # fmt: skip
_BRANCHES = ("allOf", "oneOf", "anyOf")
_VALUED = (
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "const", "multipleOf", "enum",
    "default",
)  # fmt: skip
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


class Resolver:
    """Follows internal JSON-pointer ``$ref``s of one document; external refs resolve to ``{}``."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node: Any = self.document
        for token in ref[1:].split("/")[1:]:
            key = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping):
                node = node.get(key)
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return {}
        return node if node is not None else {}

    def deref(self, node: Any) -> Any:
        """The node with its ``$ref`` chain followed (bounded; a ref loop yields ``{}``)."""
        for _ in range(32):
            if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
                return node
            node = self.lookup(node["$ref"])
        return {}


def json_type(resolver: Resolver, schema: Any, fallback: str = "string") -> str:
    """The parameter type a schema describes (first non-null type; shape-based guesses after)."""
    schema = resolver.deref(schema)
    if not isinstance(schema, Mapping):
        return fallback
    written = schema.get("type")
    types = written if isinstance(written, list) else [written]
    for t in types:
        if t == "file":
            return "string"
        if t in JSON_TYPES and t != "null":
            return str(t)
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    for key in _BRANCHES:
        for branch in schema.get(key) or ():
            found = json_type(resolver, branch, "")
            if found:
                return found
    return fallback


def object_properties(resolver: Resolver, schema: Any, depth: int = 0) -> tuple[dict[str, Any], set[str]]:
    """Top-level properties and required names of an object schema, ``allOf`` merged."""
    schema = resolver.deref(schema)
    props: dict[str, Any] = {}
    required: set[str] = set()
    if not isinstance(schema, Mapping) or depth > 8:
        return props, required
    for branch in schema.get("allOf") or ():
        more, req = object_properties(resolver, branch, depth + 1)
        props.update(more)
        required |= req
    if isinstance(schema.get("properties"), Mapping):
        props.update(schema["properties"])
    required |= {r for r in schema.get("required") or () if isinstance(r, str)}
    return props, required


class SchemaConverter:
    """One conversion: OpenAPI schema → bounded, ref-free JSON Schema."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.budget = MAX_NODES

    def convert(self, schema: Any) -> dict[str, Any]:
        self.budget = MAX_NODES
        return self._node(schema, 0, ())

    def _node(self, schema: Any, depth: int, seen: tuple[str, ...]) -> dict[str, Any]:
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if isinstance(ref, str):
            if ref in seen:
                return {"description": f"recursive: {ref.rsplit('/', 1)[-1]}"}
            seen = (*seen, ref)
        schema = self.resolver.deref(schema)
        if not isinstance(schema, Mapping):
            return {}
        self.budget -= 1
        out = _scalars(schema)
        if depth >= MAX_DEPTH or self.budget <= 0:
            return out
        self._children(schema, out, depth, seen)
        return out

    def _children(
        self, schema: Mapping[str, Any], out: dict[str, Any], depth: int, seen: tuple[str, ...]
    ) -> None:
        props = schema.get("properties")
        if isinstance(props, Mapping):
            out["properties"] = {str(k): self._node(v, depth + 1, seen) for k, v in props.items()}
        items = schema.get("items")
        if isinstance(items, Mapping):
            out["items"] = self._node(items, depth + 1, seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, bool):
            out["additionalProperties"] = extra
        elif isinstance(extra, Mapping) and extra:
            out["additionalProperties"] = self._node(extra, depth + 1, seen)
        for key in _BRANCHES:
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                out[key] = [self._node(b, depth + 1, seen) for b in branches]


def _scalars(schema: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: schema[k] for k in _KEEP if k in schema and schema[k] is not None}
    types = _types(schema)
    if types:
        out["type"] = types[0] if len(types) == 1 else types
    if isinstance(schema.get("enum"), list):
        out["enum"] = list(schema["enum"])
    if "default" in schema:
        out["default"] = schema["default"]
    for key in [k for k in _VALUED if k in out and not _portable(out[k])]:
        out[key] = _widened(out[key])
    if isinstance(schema.get("required"), list) and schema["required"]:
        out["required"] = [r for r in schema["required"] if isinstance(r, str)]
    for key in ("title", "description", "pattern", "format"):
        if key in out and not isinstance(out[key], str):
            del out[key]
    return out


def _portable(value: Any) -> bool:
    """Whether orjson, which serves every input schema, can write the value (ints of 64 bits)."""
    if type(value) is int:
        return _INT_MIN <= value <= _INT_MAX
    if isinstance(value, list):
        return all(_portable(v) for v in value)
    if isinstance(value, dict):
        return all(_portable(v) for v in value.values())
    return True


def _widened(value: Any) -> Any:
    """A value with its integers past 64 bits as floats (valid documents have them in bounds)."""
    if type(value) is int and not _INT_MIN <= value <= _INT_MAX:
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, list):
        return [_widened(v) for v in value]
    if isinstance(value, dict):
        return {k: _widened(v) for k, v in value.items()}
    return value


def _types(schema: Mapping[str, Any]) -> list[str]:
    written = schema.get("type")
    raw = written if isinstance(written, list) else [written] if written is not None else []
    types = ["string" if t == "file" else t for t in raw if t in JSON_TYPES or t == "file"]
    if schema.get("nullable") is True and types and "null" not in types:
        types.append("null")
    return types
