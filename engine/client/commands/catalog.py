"""``gestalt integrations list``, ``operations list``, ``describe``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.client.arguments import input_schema
from engine.client.context import Context
from engine.client.errors import NotFoundError
from engine.client.output import pairs, table

_SUMMARY = 72


def integrations_list(ctx: Context) -> int:
    doc = ctx.client().integrations()
    rows = [
        {
            "name": i.get("name"),
            "display_name": i.get("display_name", ""),
            "connected": bool(i.get("connected")),
            "auth_types": i.get("auth_types") or [],
            "instances": [_instance_label(x) for x in i.get("instances") or ()],
        }
        for i in doc
    ]
    columns = [("name", "NAME"), ("display_name", "DISPLAY NAME"), ("connected", "CONNECTED")]
    ctx.emit(doc, [*columns, ("auth_types", "AUTH"), ("instances", "INSTANCES")], rows)
    return 0


def operations_list(ctx: Context) -> int:
    doc = ctx.client().operations(ctx.args.integration)
    rows = [
        {"id": op.get("id"), "method": op.get("method", ""), "description": _summary(op.get("description"))}
        for op in doc
    ]
    ctx.emit(doc, [("id", "OPERATION"), ("method", "METHOD"), ("description", "DESCRIPTION")], rows)
    return 0


def find_operation(ctx: Context, integration: str, operation: str) -> dict[str, Any]:
    for op in ctx.client().operations(integration):
        if op.get("id") == operation:
            return op
    raise NotFoundError(
        f'operation "{operation}" not found on integration "{integration}"',
        hint=f"list them with `gestalt operations list {integration}`",
    )


def describe(ctx: Context) -> int:
    op = find_operation(ctx, ctx.args.integration, ctx.args.operation)
    if ctx.fmt == "json":
        ctx.emit(op, ())
        return 0
    head = [("operation", op.get("id")), ("integration", ctx.args.integration)]
    if op.get("method") or op.get("path"):
        head.append(("request", f"{op.get('method', '')} {op.get('path', '')}".strip()))
    if op.get("description"):
        head.append(("description", op["description"]))
    ctx.out.write(pairs(head) + "\n")
    columns = [("name", "PARAMETER"), ("type", "TYPE"), ("required", "REQUIRED"), ("default", "DEFAULT")]
    columns += [("location", "IN"), ("description", "DESCRIPTION")]
    ctx.out.write(table(parameter_rows(op), columns))
    return 0


def parameter_rows(op: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per parameter: the operation's ``parameters``, else its input schema's properties."""
    declared = [p for p in op.get("parameters") or () if isinstance(p, dict)]
    if declared:
        return [_parameter_row(p, p) for p in declared]
    schema = input_schema(op)
    required = set(schema.get("required") or ())
    properties = schema.get("properties") or {}
    return [
        _parameter_row({"name": name, "required": name in required}, prop if isinstance(prop, dict) else {})
        for name, prop in properties.items()
    ]


def _parameter_row(param: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    kind = schema.get("type", "")
    return {
        "name": param.get("name"),
        "type": "|".join(kind) if isinstance(kind, list) else kind,
        "required": bool(param.get("required")),
        "default": _default(schema),
        "location": param.get("location", ""),
        "description": schema.get("description", ""),
    }


def _default(schema: Mapping[str, Any]) -> str:
    if "default" not in schema:
        return ""
    value = schema["default"]
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _instance_label(instance: Mapping[str, Any]) -> str:
    name, connection = str(instance.get("name", "")), instance.get("connection")
    return f"{name} ({connection})" if connection else name


def _summary(text: Any) -> str:
    line = " ".join(str(text or "").split())
    return line if len(line) <= _SUMMARY else line[: _SUMMARY - 1].rstrip() + "…"
