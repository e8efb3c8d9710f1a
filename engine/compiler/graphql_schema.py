"""GraphQL introspection → operation pieces: argument types, input schemas, query text. Pure.

Selection sets are generated to a bounded depth: scalar and enum fields, object fields while the
depth allows, never a type already on the ancestor path (cycles), never a field that requires
arguments; ``…Connection`` types with ``nodes`` and ``pageInfo`` get the usual paging shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INTROSPECTION_QUERY = """query IntrospectionQuery { __schema {
  queryType { name } mutationType { name }
  types { kind name description
    fields(includeDeprecated: false) { name description args { ...InputValue } type { ...TypeRef } }
    inputFields { ...InputValue }
    enumValues(includeDeprecated: false) { name } } } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"""

SELECTION_DEPTH = 2
INPUT_DEPTH = 4
_SCALARS = {"Int": "integer", "Float": "number", "Boolean": "boolean"}
_LEAVES = frozenset({"SCALAR", "ENUM"})
_OBJECTS = frozenset({"OBJECT", "INTERFACE"})

TypeRef = Mapping[str, Any]


class GraphQLTypes:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.by_name: dict[str, Mapping[str, Any]] = {
            t["name"]: t for t in schema.get("types") or () if isinstance(t, Mapping) and t.get("name")
        }

    def kind(self, name: str) -> str:
        return str(self.by_name.get(name, {}).get("kind", ""))

    def fields(self, name: str) -> list[Mapping[str, Any]]:
        return [f for f in self.by_name.get(name, {}).get("fields") or () if not f["name"].startswith("__")]

    def param_type(self, ref: TypeRef) -> str:
        """Reference mapping: any list → array; Int/Float/Boolean; input objects → object; else string."""
        if _has_list(ref):
            return "array"
        name = named(ref)
        if name in _SCALARS:
            return _SCALARS[name]
        return "object" if self.kind(name) == "INPUT_OBJECT" else "string"

    def input_schema(self, ref: TypeRef, depth: int = 0, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        if ref.get("kind") == "NON_NULL":
            return self.input_schema(ref["ofType"], depth, seen)
        if ref.get("kind") == "LIST":
            return {"type": "array", "items": self.input_schema(ref["ofType"], depth + 1, seen)}
        name = str(ref.get("name") or "")
        if name in _SCALARS:
            return {"type": _SCALARS[name]}
        t = self.by_name.get(name, {})
        if t.get("kind") == "ENUM":
            return {"type": "string", "enum": [v["name"] for v in t.get("enumValues") or ()]}
        if t.get("kind") != "INPUT_OBJECT":
            return {"type": "string"} if t.get("kind") == "SCALAR" or not t else {}
        out: dict[str, Any] = {"type": "object"}
        if depth < INPUT_DEPTH and name not in seen:
            fields = t.get("inputFields") or ()
            out["properties"] = {f["name"]: self._input_field(f, depth, (*seen, name)) for f in fields}
            required = [f["name"] for f in fields if f["type"].get("kind") == "NON_NULL"]
            if required:
                out["required"] = required
        return out

    def _input_field(self, field: Mapping[str, Any], depth: int, seen: tuple[str, ...]) -> dict[str, Any]:
        schema = self.input_schema(field["type"], depth + 1, seen)
        if field.get("description"):
            schema["description"] = field["description"]
        return schema

    def selection(self, type_name: str, depth: int = SELECTION_DEPTH, ancestors: tuple[str, ...] = ()) -> str:
        """The ``{ … }`` for a field of this type ("" for leaves)."""
        kind = self.kind(type_name)
        if kind not in _OBJECTS:
            return "" if kind in _LEAVES or not kind else "{ __typename }"
        ancestors = (*ancestors, type_name)
        fields = {f["name"]: f for f in self.fields(type_name)}
        if type_name.endswith("Connection") and "nodes" in fields and "pageInfo" in fields:
            nodes = self.selection(named(fields["nodes"]["type"]), depth, ancestors)
            return f"{{ nodes {nodes} pageInfo {{ hasNextPage endCursor }} }}".replace("  ", " ")
        parts = [p for p in (self._field(f, depth, ancestors) for f in fields.values()) if p]
        return "{ " + " ".join(parts) + " }" if parts else "{ __typename }"

    def _field(self, field: Mapping[str, Any], depth: int, ancestors: tuple[str, ...]) -> str:
        if any(a["type"].get("kind") == "NON_NULL" for a in field.get("args") or ()):
            return ""
        target = named(field["type"])
        kind = self.kind(target)
        if kind in _LEAVES or not kind:
            return str(field["name"])
        if kind in _OBJECTS and depth > 1 and target not in ancestors:
            sub = self.selection(target, depth - 1, ancestors)
            return f"{field['name']} {sub}" if sub and sub != "{ __typename }" else ""
        return ""


def named(ref: TypeRef) -> str:
    while ref.get("ofType") is not None and not ref.get("name"):
        ref = ref["ofType"]
    return str(ref.get("name") or "")


def _has_list(ref: TypeRef) -> bool:
    while ref is not None and isinstance(ref, Mapping):
        if ref.get("kind") == "LIST":
            return True
        ref = ref.get("ofType")  # type: ignore[assignment]
    return False


def type_syntax(ref: TypeRef) -> str:
    """``[ID!]!``-style syntax of a TypeRef, for variable definitions."""
    kind = ref.get("kind")
    if kind == "NON_NULL":
        return type_syntax(ref["ofType"]) + "!"
    if kind == "LIST":
        return "[" + type_syntax(ref["ofType"]) + "]"
    return str(ref.get("name") or "String")


def query_text(op_kind: str, field: Mapping[str, Any], types: GraphQLTypes) -> str:
    args = field.get("args") or ()
    defs = ", ".join(f"${a['name']}: {type_syntax(a['type'])}" for a in args)
    uses = ", ".join(f"{a['name']}: ${a['name']}" for a in args)
    head = f"{op_kind}({defs})" if args else op_kind
    call = f"{field['name']}({uses})" if args else str(field["name"])
    selection = types.selection(named(field["type"]))
    return f"{head} {{ {call} {selection} }}".replace("  ", " ")
