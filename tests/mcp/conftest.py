"""One real ``gestaltd serve`` process per module, with REST integrations on a loopback upstream,
an upstream MCP server, 150 generated operations (paging) and local auth with API tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.configs import write_config
from tests.support.identity import local_auth
from tests.support.mcp_upstream import McpUpstream, start_mcp_upstream
from tests.support.served import serve
from tests.support.upstream import Upstream, start_upstream

T = TypeVar("T")
BULK = 150
UPSTREAM_SECRET = "upstream-secret"


@dataclass
class Served:
    url: str
    upstream: Upstream
    mcp_upstream: McpUpstream
    token: str  # unscoped API token
    tokens: dict[str, str]  # scopes → token

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def providers(rest_url: str, mcp_url: str) -> dict[str, dict[str, Any]]:
    search = {
        "name": "search",
        "method": "GET",
        "path": "/search",
        "description": "Search things",
        "parameters": [
            {"name": "q", "type": "string", "required": True, "description": "query"},
            {"name": "limit", "type": "integer", "default": 10},
        ],
    }
    create = {"name": "create", "method": "POST", "path": "/items", "parameters": [{"name": "name"}]}
    ping = {"name": "ping", "method": "GET", "path": "/ping"}
    bulk = [{"name": f"op{i:03d}", "method": "GET", "path": f"/bulk/{i}"} for i in range(BULK)]
    upstream_conn = {"mode": "identity", "auth": {"type": "bearer"}, "identity": {"token": UPSTREAM_SECRET}}
    return {
        "echo": {"plugin": {"base_url": rest_url, "operations": [search, create, ping]}},
        "other": {"mcp_tool_prefix": "oth_", "plugin": {"base_url": rest_url, "operations": [ping]}},
        "bulk": {"plugin": {"base_url": rest_url, "operations": bulk}},
        "up": {
            "plugin": {"mcp_url": mcp_url, "connections": {"mcp": upstream_conn}, "mcp_connection": "mcp"}
        },
    }


def _tokens(url: str) -> tuple[str, dict[str, str]]:
    with httpx.Client(base_url=url, headers={"Origin": url}) as client:  # a browser on the server's page
        assert client.post("/api/v1/auth/login", json={"state": "s"}).status_code == 200

        def make(**body: Any) -> str:
            token: str = client.post("/api/v1/tokens", json={"name": "t", **body}).json()["token"]
            return token

        return make(), {scopes: make(scopes=scopes) for scopes in ("echo", "echo up", "up")}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root: Path = tmp_path_factory.mktemp("mcp")
    rest, stop_rest = start_upstream()
    upstream_mcp, stop_mcp = start_mcp_upstream()
    # Every tool listed (not the search meta-tools): these tests page through the whole catalogue.
    server = {"server": {"port": 8080, "encryption_key": "11" * 32, "mcp": {"tools": "all"}}}
    config = write_config(root, providers(rest.url, upstream_mcp.url), {**local_auth(), **server})
    url, stop = serve(config)
    try:
        token, scoped = _tokens(url)
        yield Served(url, rest, upstream_mcp, token, scoped)
    finally:
        stop()
        stop_mcp()
        stop_rest()


async def with_client(url: str, token: str | None, use: Callable[[Client], Awaitable[T]], **kw: Any) -> T:
    """Connect the official SDK client (streamable HTTP) with a bearer token and run ``use``."""
    import httpx2

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(10.0)) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(transport, cache=None, **kw) as c:
            return await use(c)
