"""Results shaped for the revision a request speaks: keys a revision does not define are left
out, whether we built the result or an upstream MCP server did (passthrough), and content a
revision cannot carry is said in a form it can.

- 2025-03-26: no ``title``/``outputSchema``/``_meta`` on tools, no ``structuredContent``, no
  ``resource_link`` content (it becomes a text block naming the link), no ``_meta`` on content.
- 2025-06-18 adds those; 2025-11-25 adds tool ``icons`` and ``execution``.
- 2026-07-28: every result says ``resultType: "complete"`` and names the server in ``_meta``;
  ``structuredContent`` may be any JSON value (earlier revisions: an object only); tool
  ``execution`` (tasks) left the core protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import __version__
from engine.mcp.versions import Revision

SERVER_INFO = {"name": "gestalt", "version": __version__}
SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo"
_ANNOTATION_KEYS = frozenset({"title", "readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"})


def tool_for(revision: Revision, definition: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in definition.items() if k in revision.tool_keys}
    annotations = out.get("annotations")
    if isinstance(annotations, Mapping):
        out["annotations"] = {k: v for k, v in annotations.items() if k in _ANNOTATION_KEYS}
    return out


def call_result_for(revision: Revision, result: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in result.items() if k in revision.result_keys}
    content = out.get("content")
    if isinstance(content, list):
        out["content"] = [_content_for(revision, block) for block in content]
    if "structuredContent" in out and not revision.modern and not isinstance(out["structuredContent"], dict):
        del out["structuredContent"]
    return completed(revision, out)


def completed(revision: Revision, result: dict[str, Any]) -> dict[str, Any]:
    """A modern revision's result says it is complete and who answered."""
    if revision.modern:
        result["resultType"] = "complete"
        result["_meta"] = {**result.get("_meta", {}), SERVER_INFO_KEY: SERVER_INFO}
    return result


def _content_for(revision: Revision, block: Any) -> Any:
    if not isinstance(block, Mapping):
        return block
    kind = block.get("type")
    if kind not in revision.content_types:
        return {"type": "text", "text": _described(block)}
    if not revision.content_meta and "_meta" in block:
        return {k: v for k, v in block.items() if k != "_meta"}
    return block


def _described(block: Mapping[str, Any]) -> str:
    """A block the revision cannot carry, as text: a resource link names its URI."""
    if block.get("type") == "resource_link":
        name = block.get("title") or block.get("name") or "resource"
        return f"{name}: {block.get('uri', '')}"
    return str(block.get("text", "")) or f"[{block.get('type')} content]"
