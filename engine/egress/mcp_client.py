"""The outbound MCP client: one short streamable-HTTP session per listing or call, through the
official ``mcp`` SDK (imported on first use: it pulls in pydantic, which startup avoids), its HTTP
sent through the engine's client (``sdk_transport``), so sessions share the pool and its limits.

SDK and transport exceptions are translated into the engine's error tree here, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from engine import __version__
from engine.egress.client import HttpClient
from engine.egress.context import EgressContext
from engine.errors import GestaltError, UpstreamOperationError, UpstreamTimeout, UpstreamUnreachable

TIMEOUT = 30.0
MAX_PAGES = 100


async def list_tools(
    http: HttpClient,
    url: str,
    headers: Mapping[str, str],
    context: EgressContext,
    timeout: float = TIMEOUT,
) -> list[dict[str, Any]]:
    """Every tool the upstream lists (all pages), as MCP JSON objects. ``context``: whose session
    it is, for the egress policy (every HTTP request of the session carries it)."""
    async with _translated(timeout), _session(http, url, headers, context, timeout) as client:
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await client.list_tools(cursor=cursor)
            tools.extend(_dump(t) for t in page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        return tools


async def call_tool(
    http: HttpClient,
    url: str,
    headers: Mapping[str, str],
    name: str,
    arguments: dict[str, Any],
    context: EgressContext,
    timeout: float = TIMEOUT,
) -> dict[str, Any]:
    """The upstream ``CallToolResult`` as JSON, unchanged (``isError`` results included)."""
    async with _translated(timeout), _session(http, url, headers, context, timeout) as client:
        result = await client.session.call_tool(name, arguments)
        return _dump(result)


@asynccontextmanager
async def _session(
    http: HttpClient, url: str, headers: Mapping[str, str], context: EgressContext, timeout: float
) -> AsyncIterator[Any]:
    import httpx2
    from mcp.client import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp_types import Implementation

    from engine.egress.sdk_transport import sdk_client

    async with sdk_client(http, dict(headers), context, timeout=httpx2.Timeout(timeout)) as sdk_http:
        transport = streamable_http_client(url, http_client=sdk_http)
        info = Implementation(name="gestalt", version=__version__)
        async with Client(transport, mode="legacy", client_info=info, cache=None) as client:
            yield client


@asynccontextmanager
async def _translated(timeout: float) -> AsyncIterator[None]:
    from mcp.shared.exceptions import MCPError

    try:
        async with asyncio.timeout(timeout):
            yield
    except GestaltError:
        raise
    except MCPError as exc:
        raise UpstreamOperationError(f"upstream MCP error: {exc.message}") from exc
    except TimeoutError:
        raise UpstreamTimeout() from None
    except Exception as exc:  # transport failures, SDK task-group errors: the cause stays chained
        ours = _engine_error(exc)
        if ours is not None:
            raise ours from exc  # our client's own error (egress denied, too large) inside a task group
        raise UpstreamUnreachable() from exc


def _engine_error(exc: BaseException) -> GestaltError | None:
    if isinstance(exc, GestaltError):
        return exc
    for inner in exc.exceptions if isinstance(exc, BaseExceptionGroup) else ():
        found = _engine_error(inner)
        if found is not None:
            return found
    return None


def _dump(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return out
