"""Input JSON Schemas and MCP-style annotations for compiled operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compiler.bodies import FILE_SCHEMA, FILE_STYLE
from engine.compiler.parameter import Parameter
from engine.config.spec import MISSING

_TYPE_ALIASES = {
    "int": "integer",
    "integer": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "bool": "boolean",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
    "string": "string",
}


def normalise_type(written: str) -> str:
    """Reference normalisation: int→integer, float/double→number, bool→boolean, unknown→string."""
    return _TYPE_ALIASES.get(written.strip().lower(), "string")


def input_schema(params: tuple[Parameter, ...]) -> dict[str, Any]:
    """The operation's input schema (Draft 2020-12): what callers, MCP clients and docs see."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for p in params:
        prop: dict[str, Any] = dict(FILE_SCHEMA) if p.style == FILE_STYLE else {"type": p.type}
        if p.description:
            prop["description"] = p.description
        if p.default is not MISSING:
            prop["default"] = p.default
        if p.enum is not None:
            prop["enum"] = list(p.enum)
        props[p.name] = prop
        if p.required:
            required.append(p.name)
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    if params:
        schema["additionalProperties"] = False
    return schema


def annotations_for(method: str, override: Mapping[str, bool] | None = None) -> dict[str, bool]:
    """MCP tool hints derived from the HTTP method (reference §14.2), then the operation's own
    ``annotations`` (a POST that only reads says ``readOnlyHint: true``)."""
    out: dict[str, bool] = {}
    if method in ("GET", "HEAD"):
        out["readOnlyHint"] = True
    if method == "PUT":
        out["idempotentHint"] = True
    if method == "DELETE":
        out["destructiveHint"] = True
    out["openWorldHint"] = True
    return {**out, **(override or {})}
