"""The Streamable HTTP framing of ``/mcp`` (raw JSON-RPC over the in-process app)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from engine.bootstrap import build_gateway, build_runtime, load_config
from engine.errors import OriginNotAllowed
from tests.conftest import GatewayFactory
from tests.support.app_client import app_client
from tests.support.configs import write_config
from tests.support.identity import local_auth
from tests.support.upstream import Upstream, start_upstream

V = {"MCP-Protocol-Version": "2025-11-25"}
App = tuple[TestClient[Any], Upstream]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient[Any], Upstream]]:
    """One app for the module (auth ``none``): these tests only read, so they can share it."""
    upstream, stop = start_upstream()
    ops = [{"name": "ping", "method": "GET", "path": "/ping"}]
    path = write_config(
        tmp_path_factory.mktemp("mcp"), {"echo": {"plugin": {"base_url": upstream.url, "operations": ops}}}
    )
    with app_client(build_gateway(build_runtime(load_config(path)))) as client:
        yield client, upstream
    stop()


def _rpc(method: str, params: Any = None, id: Any = 1) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


@pytest.mark.parametrize(
    ("requested", "negotiated"),
    [
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("1999-01-01", "2025-11-25"),
        ("2026-07-28", "2025-11-25"),  # the handshake is the legacy era's
    ],
)
def test_initialize(app: App, requested: str, negotiated: str) -> None:
    r = app[0].post("/mcp", json=_rpc("initialize", {"protocolVersion": requested}))
    assert r.status_code == 200 and "mcp-session-id" not in r.headers
    result = r.json()["result"]
    assert result.pop("instructions").startswith("This gestalt server connects these integrations")
    assert result == {
        "protocolVersion": negotiated,
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": {"name": "gestalt", "version": "0.1.0"},
    }


def test_ping_notifications_and_responses(app: App) -> None:
    client = app[0]
    assert client.post("/mcp", json=_rpc("ping", id="a"), headers=V).json() == {
        "jsonrpc": "2.0",
        "id": "a",
        "result": {},
    }
    note = client.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=V)
    assert (note.status_code, note.content) == (202, b"")
    reply = client.post("/mcp", json={"jsonrpc": "2.0", "id": 7, "result": {}}, headers=V)
    assert (reply.status_code, reply.content) == (202, b"")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{nope", 400, -32700),
        (b'"text"', 400, -32600),
        (b'{"jsonrpc":"1.0","id":1,"method":"ping"}', 400, -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"resources/list"}', 200, -32601),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}}', 200, -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"!!"}}', 200, -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[]}', 200, -32602),
    ],
)
def test_json_rpc_errors(app: App, body: bytes, status: int, code: int) -> None:
    r = app[0].post("/mcp", content=body, headers={**V, "Content-Type": "application/json"})
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


def test_transport_rules(app: App) -> None:
    client = app[0]
    assert client.get("/mcp").status_code == 405 and client.delete("/mcp").status_code == 405
    text = client.post("/mcp", content=b"{}", headers={"Content-Type": "text/plain"})
    assert text.status_code == 400 and text.json()["error"]["code"] == -32600
    old = client.post("/mcp", json=_rpc("ping"), headers={"MCP-Protocol-Version": "2024-01-01"})
    assert old.status_code == 400 and old.json()["error"]["code"] == -32022
    assert old.json()["error"]["data"] == {
        "supported": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"],
        "requested": "2024-01-01",
    }
    evil = client.post("/mcp", json=_rpc("ping"), headers={**V, "Origin": "http://evil.example"})
    assert (evil.status_code, evil.json()["error"]) == (403, OriginNotAllowed.public_message)


def test_batches_only_in_2025_03_26(app: App) -> None:
    client = app[0]
    batch = [
        _rpc("ping", id=1),
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        _rpc("ping", id=2),
    ]
    ok = client.post("/mcp", json=batch, headers={"MCP-Protocol-Version": "2025-03-26"})
    assert [m["id"] for m in ok.json()] == [1, 2]
    refused = client.post("/mcp", json=batch, headers=V)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == -32600


def test_tool_call_and_structured_content_by_version(app: App) -> None:
    client, upstream = app
    upstream.reply("/ping", body={"pong": True})
    call = _rpc("tools/call", {"name": "echo_ping", "arguments": {}})
    new = client.post("/mcp", json=call, headers=V).json()["result"]
    assert new == {
        "content": [{"type": "text", "text": '{"pong": true}'}],
        "structuredContent": {"pong": True},
        "isError": False,
    }
    old = client.post("/mcp", json=call, headers={"MCP-Protocol-Version": "2025-03-26"}).json()["result"]
    assert "structuredContent" not in old
    upstream.reply("/ping", body=[1, 2])
    array = client.post("/mcp", json=call, headers=V).json()["result"]
    assert array == {"content": [{"type": "text", "text": "[1, 2]"}], "isError": False}


def test_needs_authentication(gateway: GatewayFactory, upstream: Upstream) -> None:
    ops = [{"name": "ping", "method": "GET", "path": "/ping"}]
    client = gateway({"echo": {"plugin": {"base_url": upstream.url, "operations": ops}}}, local_auth())
    r = client.post("/mcp", json=_rpc("ping"), headers=V)
    assert (r.status_code, r.json()) == (401, {"error": "missing authorization"})
    bad = client.post("/mcp", json=_rpc("ping"), headers={**V, "Authorization": "Bearer gst_api_nope"})
    assert (bad.status_code, bad.json()) == (401, {"error": "invalid token"})


def test_absent_without_tools(gateway: GatewayFactory) -> None:
    assert gateway({}).post("/mcp", json=_rpc("ping")).status_code == 404
