"""The tool catalogue: every operation of every integration as an MCP tool, built once at startup.

Tools are kept sorted by name, so paging is stable: a cursor names the last tool of the previous
page. Scoped API tokens see only their integrations; each scope set's view is computed once.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.auth.principal import Principal
from engine.compiler.model import Operation
from engine.errors import McpInvalidParams
from engine.mcp.naming import tool_name, unique_names
from engine.mcp.protocol import encode
from engine.mcp.shapes import tool_for
from engine.mcp.versions import Revision
from engine.providers.model import Provider

PAGE_SIZE = 100
_MAX_SCOPE_VIEWS = 256
_EMPTY_OBJECT: Mapping[str, Any] = {"type": "object"}


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    integration: str
    operation: str
    definition: Mapping[str, Any]  # the MCP Tool object, with every field any revision knows
    passthrough: bool = False  # an upstream MCP tool: its CallToolResult passes through, reshaped
    # ``definition`` as a revision lists it, encoded once per revision (static tools live as long
    # as the process; an upstream tool only as long as one listing).
    encoded: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def json(self, revision: Revision) -> bytes:
        found = self.encoded.get(revision.name)
        if found is None:
            found = self.encoded[revision.name] = encode(tool_for(revision, self.definition))
        return found


class ToolSet:
    """Tools sorted by name, with the name index paging needs."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self.tools = sorted(tools, key=lambda t: t.name)
        self.names = [t.name for t in self.tools]

    def page(self, cursor: str | None, size: int = PAGE_SIZE) -> tuple[list[Tool], str | None]:
        start = 0 if cursor is None else bisect_right(self.names, decode_cursor(cursor))
        chunk = self.tools[start : start + size]
        more = start + size < len(self.tools)
        return chunk, (encode_cursor(chunk[-1].name) if more and chunk else None)


class Catalogue:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self.all = ToolSet(tools)
        self.by_name = {t.name: t for t in self.all.tools}
        self._views: dict[tuple[frozenset[str] | None, frozenset[str]], ToolSet] = {}

    def visible(self, principal: Principal) -> ToolSet:
        if principal.scopes is None:
            return self.all
        key = principal.scope_key
        view = self._views.get(key)
        if view is None:
            if len(self._views) >= _MAX_SCOPE_VIEWS:
                self._views.clear()
            tools = (t for t in self.all.tools if principal.may_call(t.integration, t.operation))
            view = self._views[key] = ToolSet(tools)
        return view


def build_catalogue(providers: Mapping[str, Provider]) -> Catalogue:
    ops = [(p, op) for _, p in sorted(providers.items()) for _, op in sorted(p.operations.items())]
    wanted = [(tool_name(p.mcp_tool_prefix, p.name, op.name), f"{p.name}/{op.name}") for p, op in ops]
    names = unique_names(wanted)
    return Catalogue(operation_tool(op, name) for (_, op), name in zip(ops, names, strict=True))


def operation_tool(op: Operation, name: str) -> Tool:
    definition: dict[str, Any] = {"name": name}
    if op.description:
        definition["description"] = op.description
    definition["inputSchema"] = op.input_schema if op.input_schema is not None else _EMPTY_OBJECT
    definition["annotations"] = {"title": op.name, **op.annotations}
    return Tool(name, op.integration, op.name, definition)


def encode_cursor(last_name: str) -> str:
    return base64.urlsafe_b64encode(last_name.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    if not isinstance(cursor, str) or not cursor:
        raise McpInvalidParams("Invalid cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, ValueError):
        raise McpInvalidParams("Invalid cursor") from None
