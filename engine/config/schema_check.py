"""JSON Schema validation of one parsed file, every error turned into a positioned, human issue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError

from engine.config.issues import ConfigIssue
from engine.config.schema_memo import JsonPath, drop_paths
from engine.config.schemas import validator
from engine.config.yaml_tree import Document, escape

_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}
_SCALAR_TYPES = ("string", "integer", "number", "boolean")


def check_document(document: Document, schema_name: str) -> tuple[list[ConfigIssue], list[JsonPath]]:
    """All schema errors of ``document``, and the keys dropped from its data to get there.

    A null where the schema wants a scalar (``client_id: ${UNSET}`` expands to nothing) means the key
    is unset, as in the reference: such keys are dropped before the errors are reported. The paths
    dropped are returned, so that a memo of the check can replay them without jsonschema."""
    data = {} if document.data is None else document.data
    errors = list(validator(schema_name).iter_errors(data))
    dropped: list[JsonPath] = []
    while removed := drop_paths(data, _empty_scalars(errors)):
        dropped += removed
        errors = list(validator(schema_name).iter_errors(data))
    return [issue for error in errors for issue in _issues(document, error)], dropped


def _empty_scalars(errors: list[ValidationError]) -> list[JsonPath]:
    return [
        list(error.absolute_path)
        for error in errors
        if error.validator == "type"
        and error.instance is None
        and error.absolute_path
        and error.validator_value in _SCALAR_TYPES
    ]


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _pointer(path: Any) -> str:
    return "".join(f"/{escape(str(part))}" for part in path)


def _issues(document: Document, error: ValidationError) -> Iterator[ConfigIssue]:
    pointer = _pointer(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        for key in _unknown_keys(error):
            yield document.issue(f"{pointer}/{escape(key)}", f'unknown key "{key}"')
        return
    if "propertyNames" in error.absolute_schema_path:
        key = str(error.instance)
        pattern = error.schema.get("pattern", "") if isinstance(error.schema, dict) else ""
        message = f'invalid name "{key}": must match {pattern}'
        yield document.issue(f"{pointer}/{escape(key)}", message)
        return
    if kind in ("anyOf", "oneOf") and error.context:
        yield from _issues(document, _deepest(error.context))
        return
    yield document.issue(pointer, _message(error))


def _unknown_keys(error: ValidationError) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = set(schema.get("properties", {}))
    return [key for key in error.instance if key not in known]


def _deepest(errors: list[ValidationError]) -> ValidationError:
    return max(errors, key=lambda e: (len(e.absolute_path), e.validator != "type"))


def _message(error: ValidationError) -> str:
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return f"expected {' or '.join(str(n) for n in names)}, got {json_type(instance)}"
    if kind == "required":
        missing = [k for k in expected if isinstance(instance, dict) and k not in instance]
        return ", ".join(f'missing required key "{k}"' for k in missing)
    if kind == "enum":
        choices = ", ".join(f'"{c}"' for c in expected)
        return f"must be one of {choices}, got {_show(instance)}"
    if kind == "pattern":
        described = error.schema.get("description") if isinstance(error.schema, dict) else None
        return f"invalid value {_show(instance)}: expected {str(described or expected).rstrip('.')}"
    if kind in ("minLength", "minItems") and expected == 1:
        return "must not be empty"
    if kind == "maxItems":
        return f"must have at most {expected} item{'s' if expected != 1 else ''}, got {len(instance)}"
    if kind in ("minimum", "maximum"):
        return f"must be {'at least' if kind == 'minimum' else 'at most'} {expected}, got {instance}"
    return str(error.message)


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
