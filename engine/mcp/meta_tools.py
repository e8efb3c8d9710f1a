"""Tool-search mode: three meta-tools stand in for a catalogue too large to list.

``search_tools`` ranks the caller's tools by a text query (``tool_search``), ``describe_tool``
gives one tool's whole definition (its input schema above all), ``call_tool`` calls it. They are
listed instead of the catalogue in search mode, and callable in any mode unless a real tool has
the same name. A bad argument is an ``isError`` result the agent can read and correct.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from engine.mcp.catalogue import Tool, ToolSet
from engine.mcp.shapes import completed, tool_for
from engine.mcp.tool_search import index_of, summary
from engine.mcp.versions import Revision

SEARCH, DESCRIBE, CALL = "search_tools", "describe_tool", "call_tool"
DEFAULT_LIMIT, MAX_LIMIT = 10, 50
_READ_ONLY = {"readOnlyHint": True, "openWorldHint": False}


def _meta_tool(name: str, title: str, description: str, schema: dict[str, Any], read_only: bool) -> Tool:
    annotations = {"title": title, **(_READ_ONLY if read_only else {"openWorldHint": True})}
    definition = {"name": name, "title": title, "description": description, "inputSchema": schema,
                  "annotations": annotations}  # fmt: skip
    return Tool(name, "", name, definition)


META_TOOLS = ToolSet([
    _meta_tool(SEARCH, "Search tools", (
        "Find the tools of this server for a task: ranked text search over tool names, titles, "
        "descriptions and parameter names. Returns name, title, description, integration and "
        "whether your account is connected. Then describe_tool for the parameters, call_tool to run it."
    ), {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What the tool should do, in a few words"},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            "include_unconnected": {"type": "boolean", "default": False,
                                    "description": "Also tools whose account you have not connected yet"},
        },
        "required": ["query"],
        "additionalProperties": False,
    }, True),
    _meta_tool(DESCRIBE, "Describe a tool", "One tool's description, input schema and annotations.", {
        "type": "object",
        "properties": {"name": {"type": "string", "description": "A name search_tools returned"}},
        "required": ["name"],
        "additionalProperties": False,
    }, True),
    _meta_tool(CALL, "Call a tool", "Call one tool by name with its arguments (see describe_tool).", {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "A name search_tools returned"},
            "arguments": {"type": "object", "description": "The tool's arguments"},
        },
        "required": ["name"],
        "additionalProperties": False,
    }, False),
])  # fmt: skip
META_NAMES = frozenset(t.name for t in META_TOOLS.tools)


@dataclass(frozen=True, slots=True)
class Offer:
    """What a meta-tool works over: the caller's tools, and which of them it can use now."""

    tools: ToolSet  # every tool the caller's scopes allow (connected or not)
    usable: Callable[[Tool], bool]
    find: Callable[[str], Awaitable[Tool | None]]  # a tool by name, upstream ones included
    call: Callable[[Tool, Any], Awaitable[dict[str, Any]]]


async def call_meta(name: str, arguments: Any, offer: Offer, revision: Revision) -> dict[str, Any]:
    args = arguments if isinstance(arguments, dict) else {}
    if name == SEARCH:
        return _search(args, offer, revision)
    tool_name = args.get("name")
    if not isinstance(tool_name, str) or not tool_name:
        return problem("name is required: a tool name search_tools returned", revision)
    tool = await offer.find(tool_name)
    if tool is None or tool.name in META_NAMES:
        return problem(f"no tool named {tool_name[:100]!r}: use search_tools to find one", revision)
    if name == DESCRIBE:
        described = {**tool_for(revision, tool.definition), "connected": offer.usable(tool)}
        return found(described, revision)
    return await offer.call(tool, args.get("arguments"))


def _search(args: dict[str, Any], offer: Offer, revision: Revision) -> dict[str, Any]:
    query, limit = args.get("query"), args.get("limit", DEFAULT_LIMIT)
    if not isinstance(query, str) or not query.strip():
        return problem("query is required: a few words saying what the tool should do", revision)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        return problem(f"limit must be an integer from 1 to {MAX_LIMIT}", revision)
    everything = args.get("include_unconnected") is True
    ranked = index_of(offer.tools).search(query, limit, None if everything else offer.usable)
    hits = [summary(tool, offer.usable(tool)) for tool, _ in ranked]
    return found({"tools": hits}, revision)


def found(value: dict[str, Any], revision: Revision) -> dict[str, Any]:
    out: dict[str, Any] = {"content": [{"type": "text", "text": json.dumps(value, ensure_ascii=False)}]}
    if revision.structured:
        out["structuredContent"] = value
    out["isError"] = False
    return completed(revision, out)


def problem(message: str, revision: Revision) -> dict[str, Any]:
    return completed(revision, {"content": [{"type": "text", "text": message}], "isError": True})
