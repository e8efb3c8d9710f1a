"""Upstream MCP sessions go through the engine's own client: its pool, and its address guard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.egress import mcp_client
from engine.egress.client import default_client
from engine.egress.context import ENGINE
from engine.egress.http1 import split
from engine.errors import EgressDenied
from tests.support.mcp_upstream import McpUpstream, start_mcp_upstream

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def upstream_mcp() -> Iterator[McpUpstream]:
    server, stop = start_mcp_upstream()
    yield server
    stop()


async def test_a_session_is_sent_through_the_engine_pool(upstream_mcp: McpUpstream) -> None:
    http = default_client()
    tools = await mcp_client.list_tools(http, upstream_mcp.url, {}, ENGINE)
    assert {"add", "whoami", "explode"} <= {t["name"] for t in tools}
    result = await mcp_client.call_tool(http, upstream_mcp.url, {}, "add", {"a": 2, "b": 40}, ENGINE)
    assert result["structuredContent"] == {"result": 42}
    origin, _ = split(upstream_mcp.url)
    assert http.transport.pool._idle.get(origin)  # type: ignore[attr-defined]  # kept alive, ours
    await http.close()


async def test_an_upstream_at_a_metadata_address_is_denied() -> None:
    http = default_client()
    with pytest.raises(EgressDenied) as info:
        await mcp_client.list_tools(http, "http://169.254.169.254/mcp", {}, ENGINE)
    assert (
        info.value.public_message
        == "egress denied: 169.254.169.254 is a link-local or cloud metadata address"
    )
    await http.close()
