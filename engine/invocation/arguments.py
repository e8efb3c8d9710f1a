"""Caller arguments → validated, typed parameters (spec §2), before anything goes upstream.

Query-string values arrive as strings and are coerced to the declared type; JSON bodies keep
their JSON types and are checked as they are. The checks are the operation's input schema,
applied by hand on the hot path (a generic JSON Schema validator costs far more per call).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from engine.compiler.model import Operation
from engine.compiler.parameter import Parameter
from engine.config.spec import MISSING
from engine.errors import InvalidParameters

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def bind_arguments(op: Operation, args: Mapping[str, Any], from_query: bool) -> dict[str, Any]:
    """Return the operation's parameters, typed, with defaults applied; raise InvalidParameters."""
    if op.passthrough:
        return dict(args)
    by_name = op.by_name
    unknown = [k for k in args if k not in by_name]
    if unknown:
        accepted = ", ".join(p.name for p in op.parameters)
        raise InvalidParameters(f'unknown parameter "{unknown[0]}"; accepted parameters: {accepted}')
    out: dict[str, Any] = {}
    for p in op.parameters:
        value = args.get(p.name, MISSING)
        if value is MISSING or (value is None and not p.required and p.default is not MISSING):
            if p.default is not MISSING:
                out[p.name] = p.default
            elif p.required:
                raise InvalidParameters(f'missing required parameter "{p.name}"')
            continue
        out[p.name] = check_value(p, coerce(p, value) if from_query else value)
    return out


def coerce(p: Parameter, value: Any) -> Any:
    """Turn a query-string value (a str, or a list of str for repeated keys) into the declared type."""
    if isinstance(value, list):
        if p.type == "array":
            return list(value)
        value = value[0]
    if not isinstance(value, str):
        return value
    t = p.type
    try:
        if t == "integer":
            return int(value, 10)
        if t == "number":
            f = float(value)
            if not math.isfinite(f):
                raise ValueError(value)
            return int(f) if f.is_integer() and "." not in value and "e" not in value.lower() else f
        if t == "boolean":
            low = value.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(value)
        if t == "array":
            if value.startswith("["):
                return json.loads(value)
            return [] if value == "" else value.split(",")
        if t == "object":
            return json.loads(value)
    except ValueError:
        raise _type_error(p, value) from None
    return value


def check_value(p: Parameter, value: Any) -> Any:
    if not _matches(p.type, value):
        raise _type_error(p, value)
    if p.type == "integer" and isinstance(value, float):
        value = int(value)
    if p.enum is not None and value not in p.enum:
        allowed = ", ".join(json.dumps(v) for v in p.enum)
        raise InvalidParameters(f'parameter "{p.name}" must be one of: {allowed}')
    return value


def _matches(t: str, value: Any) -> bool:
    if t == "string":
        return isinstance(value, str)
    if t == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if t == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "array":
        return isinstance(value, list)
    if t == "object":
        return isinstance(value, dict)
    return True


def _type_error(p: Parameter, value: Any) -> InvalidParameters:
    return InvalidParameters(f'parameter "{p.name}" must be of type {p.type}, got {_json_type(value)}')


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
