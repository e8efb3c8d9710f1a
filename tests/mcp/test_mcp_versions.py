"""Each protocol revision gets the messages its own schema defines: 2026-07-28's per-request
envelope, ``server/discover``, cache hints and errors; and for every revision, tool listings and
call results (ours and an upstream MCP server's, passed through) with no field a revision lacks.

The field sets come from the official ``schema.json`` of each revision
(``tests/fixtures/mcp_schema/definitions.json`` names the commit they were read from)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mcp.conftest import Served

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures/mcp_schema/definitions.json").read_text())[
    "versions"
]
MODERN = "2026-07-28"
ENVELOPE = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
}


def post(served: Served, body: Any, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {served.token}", "Accept": "application/json, text/event-stream"}
    return httpx.post(served.mcp_url, json=body, headers={**auth, **headers}, timeout=20)


def modern(
    served: Served, method: str, params: dict[str, Any] | None = None, **headers: str
) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 9, "method": method, "params": {**(params or {}), "_meta": ENVELOPE}}
    name = (params or {}).get("name")
    mirrored = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method, **({"Mcp-Name": name} if name else {})}
    return post(served, body, **{**mirrored, **headers})


def legacy(served: Served, version: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    reply = post(
        served,
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
        **{"MCP-Protocol-Version": version},
    )
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()["result"]
    return result


def conforms(version: str, definition: str, value: dict[str, Any]) -> None:
    shape = SCHEMA[version][definition]
    assert set(value) <= set(shape["properties"]), (
        version,
        definition,
        set(value) - set(shape["properties"]),
    )
    assert set(shape["required"]) <= set(value), (version, definition)


def all_tools(served: Served, call: Any) -> list[dict[str, Any]]:
    tools, cursor = [], None
    while True:
        page = call({"cursor": cursor} if cursor else {})
        tools += page["tools"]
        cursor = page.get("nextCursor")
        if cursor is None:
            return tools


# ---- 2026-07-28 ----


def test_discover(served: Served) -> None:
    reply = modern(served, "server/discover")
    assert reply.status_code == 200
    result = reply.json()["result"]
    conforms(MODERN, "DiscoverResult", result)
    assert result["supportedVersions"] == [MODERN, "2025-11-25", "2025-06-18", "2025-03-26"]
    assert result["resultType"] == "complete" and result["capabilities"] == {"tools": {"listChanged": False}}
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "gestalt"


def test_modern_listing_and_calls(served: Served) -> None:
    first = modern(served, "tools/list").json()["result"]
    conforms(MODERN, "ListToolsResult", first)
    assert (first["resultType"], first["cacheScope"]) == ("complete", "private") and first["ttlMs"] > 0
    tools = all_tools(served, lambda p: modern(served, "tools/list", p).json()["result"])
    for tool in tools:
        conforms(MODERN, "Tool", tool)
    ours = modern(served, "tools/call", {"name": "echo_search", "arguments": {"q": "x"}}).json()["result"]
    upstream = modern(served, "tools/call", {"name": "up_add", "arguments": {"a": 1, "b": 2}}).json()[
        "result"
    ]
    for result in (ours, upstream):
        conforms(MODERN, "CallToolResult", result)
        assert result["resultType"] == "complete" and "io.modelcontextprotocol/serverInfo" in result["_meta"]
    assert upstream["structuredContent"] == {"result": 3}


def test_a_name_outside_the_header_safe_set_travels_base64(served: Served) -> None:
    encoded = "=?base64?" + base64.b64encode(b"echo_ping").decode() + "?="
    reply = modern(served, "tools/call", {"name": "echo_ping", "arguments": {}}, **{"Mcp-Name": encoded})
    assert reply.status_code == 200 and reply.json()["result"]["isError"] is False


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"Mcp-Method": "tools/list"}, 400, -32020),
        ({"Mcp-Name": "other_ping"}, 400, -32020),
        ({"Mcp-Name": "=?base64?not base64?="}, 400, -32020),
    ],
)
def test_headers_must_mirror_the_body(served: Served, change: dict[str, str], status: int, code: int) -> None:
    reply = modern(served, "tools/call", {"name": "echo_ping", "arguments": {}}, **change)
    assert (reply.status_code, reply.json()["error"]["code"], reply.json()["id"]) == (status, code, 9)


def test_modern_errors(served: Served) -> None:
    no_meta = post(
        served,
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        **{"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"},
    )
    assert no_meta.status_code == 400 and no_meta.json()["error"]["code"] == -32602
    other = {**ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2025-11-25"}
    mismatch = post(
        served,
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": other}},
        **{"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"},
    )
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == -32020
    unknown = post(
        served, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, **{"MCP-Protocol-Version": "2027-01-01"}
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == -32022
    assert MODERN in unknown.json()["error"]["data"]["supported"]
    gone = modern(served, "ping")  # removed in 2026-07-28
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, -32601)
    batch = post(
        served, [{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}], **{"MCP-Protocol-Version": MODERN}
    )
    assert batch.status_code == 400
    note = post(
        served, {"jsonrpc": "2.0", "method": "notifications/cancelled"}, **{"MCP-Protocol-Version": MODERN}
    )
    assert (note.status_code, note.content) == (202, b"")


# ---- every revision ----


@pytest.mark.parametrize("version", ["2025-03-26", "2025-06-18", "2025-11-25"])
def test_each_legacy_revision_gets_its_own_fields(served: Served, version: str) -> None:
    tools = all_tools(served, lambda p: legacy(served, version, "tools/list", p))
    for tool in tools:
        conforms(version, "Tool", tool)
    for name, args in (("echo_search", {"q": "x"}), ("up_add", {"a": 1, "b": 2}), ("up_explode", {})):
        result = legacy(served, version, "tools/call", {"name": name, "arguments": args})
        conforms(version, "CallToolResult", result)
    upstream = legacy(served, version, "tools/call", {"name": "up_add", "arguments": {"a": 1, "b": 2}})
    assert ("structuredContent" in upstream) is (version != "2025-03-26")
