"""An invocation's arguments from the command line: ``-p key=value`` typed by the operation's
input schema, ``-p key:=JSON`` taken literally, over a JSON object from ``--input``.

Coercion is driven by the schema only, never guessed: a value for a property the schema does not
type stays a string, and the server's own checks have the last word.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from engine.client.errors import UsageError

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def input_schema(operation: Mapping[str, Any]) -> dict[str, Any]:
    """The operation's JSON Schema; one is synthesised from ``parameters`` when it has none."""
    schema = operation.get("inputSchema")
    if isinstance(schema, dict):
        return schema
    properties = {
        str(p["name"]): {"type": p.get("type", "string")}
        for p in operation.get("parameters") or ()
        if isinstance(p, dict) and "name" in p
    }
    return {"type": "object", "properties": properties}


def build_arguments(
    schema: Mapping[str, Any], assignments: Sequence[str], base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    args = dict(base or {})
    found = schema.get("properties")
    properties: Mapping[str, Any] = found if isinstance(found, dict) else {}
    for text in assignments:
        key, raw, value = _split(text)
        args[key] = _literal(key, value) if raw else coerce(key, value, properties.get(key))
    return args


def coerce(key: str, text: str, prop: Any) -> Any:
    kind = _type_of(prop)
    if kind == "integer":
        return _integer(key, text)
    if kind == "number":
        return _number(key, text)
    if kind == "boolean":
        return _boolean(key, text)
    if kind == "array":
        if text.lstrip().startswith("["):
            return _json_of(key, text, list, "an array")
        items = prop.get("items") if isinstance(prop, dict) else None
        return [coerce(key, part.strip(), items) for part in text.split(",")] if text else []
    if kind == "object":
        return _json_of(key, text, dict, "an object")
    return text


def read_input(text: str, source: str) -> dict[str, Any]:
    """The JSON object of ``--input-file F`` or ``--input -``."""
    try:
        doc = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise UsageError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise UsageError(f"{source}: must hold a JSON object of parameters")
    return doc


def _split(text: str) -> tuple[str, bool, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or key == ":":
        raise UsageError(f'-p "{text}": expected key=value (or key:=JSON)')
    if key.endswith(":"):
        return key[:-1], True, value
    return key, False, value


def _type_of(prop: Any) -> str:
    kind = prop.get("type") if isinstance(prop, dict) else None
    if isinstance(kind, list):  # e.g. ["integer", "null"]: the first non-null type decides
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else ""


def _integer(key: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f'parameter "{key}" must be an integer, got "{text}"') from None


def _number(key: str, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise UsageError(f'parameter "{key}" must be a number, got "{text}"') from None


def _boolean(key: str, text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise UsageError(f'parameter "{key}" must be true or false, got "{text}"')


def _literal(key: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise UsageError(f'parameter "{key}": "{text}" is not valid JSON') from None


def _json_of(key: str, text: str, kind: type, what: str) -> Any:
    value = _literal(key, text)
    if not isinstance(value, kind):
        raise UsageError(f'parameter "{key}" must be {what} (JSON), got "{text}"')
    return value
