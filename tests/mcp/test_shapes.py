"""Results shaped per revision (``engine.mcp.shapes``), on plain values: what an upstream MCP
server may answer, and what each revision's client receives."""

from __future__ import annotations

from engine.mcp.shapes import call_result_for, tool_for
from engine.mcp.versions import REVISIONS

UPSTREAM = {
    "content": [
        {"type": "text", "text": "hi", "_meta": {"x": 1}},
        {"type": "resource_link", "uri": "file:///a.txt", "name": "a.txt", "title": "A"},
    ],
    "structuredContent": [1, 2],
    "isError": False,
    "_meta": {"trace": "t"},
    "extra": "not in any revision",
}
TOOL = {
    "name": "t",
    "title": "T",
    "description": "d",
    "inputSchema": {"type": "object"},
    "outputSchema": {"type": "object"},
    "icons": [{"src": "data:,"}],
    "execution": {"taskSupport": "optional"},
    "annotations": {"title": "T", "readOnlyHint": True, "futureHint": 1},
    "_meta": {"k": "v"},
}


def test_2025_03_26_gets_text_for_what_it_cannot_carry() -> None:
    shaped = call_result_for(REVISIONS["2025-03-26"], UPSTREAM)
    assert shaped == {
        "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": "A: file:///a.txt"}],
        "isError": False,
        "_meta": {"trace": "t"},
    }
    assert tool_for(REVISIONS["2025-03-26"], TOOL) == {
        "name": "t", "description": "d", "inputSchema": {"type": "object"},
        "annotations": {"title": "T", "readOnlyHint": True},
    }  # fmt: skip


def test_structured_content_is_an_object_before_2026() -> None:
    shaped = call_result_for(REVISIONS["2025-11-25"], UPSTREAM)
    assert "structuredContent" not in shaped and shaped["content"] == UPSTREAM["content"]
    assert call_result_for(REVISIONS["2025-06-18"], {**UPSTREAM, "structuredContent": {"a": 1}})[
        "structuredContent"
    ] == {"a": 1}


def test_2026_07_28_results_are_complete_and_signed() -> None:
    shaped = call_result_for(REVISIONS["2026-07-28"], UPSTREAM)
    assert shaped["structuredContent"] == [1, 2] and shaped["resultType"] == "complete"
    assert shaped["_meta"] == {
        "trace": "t",
        "io.modelcontextprotocol/serverInfo": {"name": "gestalt", "version": "0.1.0"},
    }
    assert set(tool_for(REVISIONS["2026-07-28"], TOOL)) == {
        "name", "title", "description", "inputSchema", "outputSchema", "icons", "annotations", "_meta",
    }  # fmt: skip
    assert "execution" in tool_for(REVISIONS["2025-11-25"], TOOL)
