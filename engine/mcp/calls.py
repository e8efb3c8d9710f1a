"""``tools/call``: one broker invocation (source ``mcp``), its result or failure as a CallToolResult.

Failures carry the text the HTTP API would answer: the upstream body for upstream HTTP errors,
otherwise the sanitised ``error`` message from ``engine.surface.errors``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.auth.principal import Principal
from engine.errors import McpInvalidParams, UpstreamHTTPError
from engine.invocation.broker import Broker, Invocation
from engine.mcp.catalogue import Tool
from engine.mcp.shapes import call_result_for, completed
from engine.mcp.versions import Revision
from engine.surface.errors import render_error


@dataclass(frozen=True, slots=True)
class CallContext:
    principal: Principal
    revision: Revision
    client_ip: str = ""
    user_agent: str = ""

    @property
    def version(self) -> str:
        return self.revision.name


async def call_tool(broker: Broker, tool: Tool, arguments: Any, ctx: CallContext) -> dict[str, Any]:
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise McpInvalidParams("Invalid params: arguments must be an object")
    args = dict(arguments)
    call = Invocation(
        principal=ctx.principal,
        integration=tool.integration,
        operation=tool.operation,
        args=args,
        instance=_str_or_none(args.pop("_instance", None)),
        connection=_str_or_none(args.pop("_connection", None)),
        source="mcp",
        client_ip=ctx.client_ip,
        user_agent=ctx.user_agent,
    )
    try:
        result = await broker.invoke(call)
    except Exception as exc:  # noqa: BLE001 - every failure becomes an isError result
        return failure(exc, ctx.revision)
    if tool.passthrough:  # an upstream MCP server's own result, shaped for this revision
        return call_result_for(ctx.revision, json.loads(result.body))
    return success(result.body, ctx.revision)


def success(body: bytes, revision: Revision) -> dict[str, Any]:
    text = body.decode("utf-8", errors="replace")
    out: dict[str, Any] = {"content": [{"type": "text", "text": text}]}
    if revision.structured and text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            out["structuredContent"] = doc
    out["isError"] = False
    return completed(revision, out)


def failure(exc: BaseException, revision: Revision) -> dict[str, Any]:
    return completed(revision, {"content": [{"type": "text", "text": error_text(exc)}], "isError": True})


def error_text(exc: BaseException) -> str:
    _, _, body = render_error(exc)
    if isinstance(exc, UpstreamHTTPError):
        return body.decode("utf-8", errors="replace")
    message: str = json.loads(body)["error"]
    return message


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
