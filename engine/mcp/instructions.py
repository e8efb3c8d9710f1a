"""The server instructions MCP clients receive (``initialize``, ``server/discover``): the
operator's own words (``server.mcp.instructions``), then what each integration on /mcp is for,
from its display name and description, and how tools are named. Bounded, so a large deployment
does not flood an agent's context."""

from __future__ import annotations

from collections.abc import Iterable

from engine.providers.model import Provider

MAX_CHARS = 4000
_PER_INTEGRATION = 200


def server_instructions(operator: str, providers: Iterable[Provider], searchable: bool) -> str:
    lines = [operator.strip()] if operator.strip() else []
    lines.append("This gestalt server connects these integrations; each tool acts as the signed-in user:")
    for p in providers:
        prefix = p.mcp_tool_prefix or f"{p.name}_"
        about = " ".join(p.description.split())
        about = about if len(about) <= _PER_INTEGRATION else about[: _PER_INTEGRATION - 1] + "…"
        lines.append(f"- {p.display_name or p.name} (tools {prefix}*)" + (f": {about}" if about else ""))
    if searchable:
        lines.append(
            "When tools/list offers search_tools, find tools with it, read one with describe_tool "
            "and call it with call_tool."
        )
    text = "\n".join(lines)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
