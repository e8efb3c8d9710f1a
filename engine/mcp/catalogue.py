"""The tool catalogue: every operation of every integration on /mcp as an MCP tool, built once
at startup (``plugin.mcp: false`` leaves an integration out).

Tools are kept sorted by name, so paging is stable: a cursor names the last tool of the previous
page. A caller sees the tools its scopes allow and, unless ``server.mcp.unconnected: show``,
whose connection it can use (no credential needed, a shared identity, or one it connected);
each such view is computed once.
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
from engine.invocation.authorization import CallTarget, Permissions
from engine.mcp.naming import DEFAULT_MAX, full_name, title, tool_name, unique_names
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
    connection: str = ""  # the connection a call goes through
    open: bool = True  # that connection needs no credential of the caller's own
    read_only: bool = False  # the operation's ``read_only`` (what authorization annotations match)
    # ``definition`` as a revision lists it, encoded once per revision (static tools live as long
    # as the process; an upstream tool only as long as one listing).
    encoded: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    # Its weighted words for search (``tool_search.bag``), computed on first use.
    search_words: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

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
        self.search_index: object = None  # built by tool_search on a first search of this set

    def page(self, cursor: str | None, size: int = PAGE_SIZE) -> tuple[list[Tool], str | None]:
        start = 0 if cursor is None else bisect_right(self.names, decode_cursor(cursor))
        chunk = self.tools[start : start + size]
        more = start + size < len(self.tools)
        return chunk, (encode_cursor(chunk[-1].name) if more and chunk else None)


Connected = frozenset[tuple[str, str]]
"""(integration, connection) pairs the caller has a credential for; None where all count."""


class Catalogue:
    def __init__(self, tools: Iterable[Tool], limit: int = DEFAULT_MAX) -> None:
        self.all = ToolSet(tools)
        self.by_name = {t.name: t for t in self.all.tools}
        self.limit = limit
        self._views: dict[object, ToolSet] = {}

    def visible(
        self, principal: Principal, connected: Connected | None = None, permissions: Permissions | None = None
    ) -> ToolSet:
        """What ``principal`` is offered: its scopes, with ``connected`` only the tools it can use
        now, with ``permissions`` (its roles', shared by callers with the same roles) only what
        they let it invoke."""
        if principal.scopes is None and connected is None and permissions is None:
            return self.all
        key = (principal.scope_key, connected, permissions)
        view = self._views.get(key)
        if view is None:
            if len(self._views) >= _MAX_SCOPE_VIEWS:
                self._views.clear()
            tools = (t for t in self.all.tools if offered(t, principal, connected, permissions))
            view = self._views[key] = ToolSet(tools)
        return view


def offered(
    tool: Tool, principal: Principal, connected: Connected | None, permissions: Permissions | None = None
) -> bool:
    if not principal.may_call(tool.integration, tool.operation):
        return False
    if (
        permissions is not None
        and not permissions.decide(CallTarget(tool.integration, tool.operation, tool.read_only)).allowed
    ):
        return False
    return connected is None or tool.open or (tool.integration, tool.connection) in connected


def build_catalogue(
    providers: Mapping[str, Provider], limit: int = DEFAULT_MAX, hidden: frozenset[str] = frozenset()
) -> Catalogue:
    exposed = [p for name, p in sorted(providers.items()) if name not in hidden]
    ops = [(p, op) for p in exposed for _, op in sorted(p.operations.items())]
    wanted = [(tool_name(p.mcp_tool_prefix, p.name, op.name, limit), f"{p.name}/{op.name}") for p, op in ops]
    names = unique_names(wanted, limit)
    return Catalogue((operation_tool(p, op, name) for (p, op), name in zip(ops, names, strict=True)), limit)


def operation_tool(provider: Provider, op: Operation, name: str) -> Tool:
    full = full_name(provider.mcp_tool_prefix, provider.name, op.name)
    human = title(provider.display_name, op.description, op.name, name, full)
    definition: dict[str, Any] = {"name": name, "title": human}
    if op.description:
        definition["description"] = op.description
    definition["inputSchema"] = op.input_schema if op.input_schema is not None else _EMPTY_OBJECT
    if op.output_schema is not None:
        definition["outputSchema"] = op.output_schema
    definition["annotations"] = {"title": human, **op.annotations}
    connection = provider.connections.get(op.connection)
    is_open = connection is None or connection.usable_without_connecting
    return Tool(
        name,
        op.integration,
        op.name,
        definition,
        connection=op.connection,
        open=is_open,
        read_only=op.read_only,
    )


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
