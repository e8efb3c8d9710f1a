"""An httpx2 transport over ``HttpClient.stream``, for the MCP SDK (sessions and OAuth discovery).

The SDK speaks httpx2; with this transport every request it makes (JSON-RPC POSTs, the SSE GET
stream, discovery and registration) leaves through the engine's one client: the same pool,
limits, address guard, egress policy and error translation as an operation; every request of
the session carries the ``EgressContext`` the transport was made with. Bodies are handed to httpx2 as they
arrive, inflated here within bounds (httpx2 is told the body is no longer encoded); a response that
is not an event stream is capped at ``limits.max_decoded`` bytes, since the SDK reads it whole.
The engine's errors pass through unchanged, so ``mcp_client`` sees an ``EgressDenied`` as itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx2

from engine.egress.client import HttpClient
from engine.egress.context import ENGINE, EgressContext
from engine.egress.request import OutboundRequest
from engine.egress.streaming import StreamedResponse
from engine.errors import UpstreamResponseTooLarge

# Framing is ours to write (Host, Content-Length), and hop-by-hop headers stay on this side.
_NOT_FORWARDED = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive"})
_INFLATED = frozenset({b"content-encoding", b"content-length"})


class SdkTransport(httpx2.AsyncBaseTransport):
    def __init__(self, client: HttpClient, context: EgressContext = ENGINE) -> None:
        self.client = client
        self.context = context

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        outbound = OutboundRequest(request.method, str(request.url), headers, body or None, self.context)
        stack = AsyncExitStack()
        response = await stack.enter_async_context(self.client.stream(outbound, _read_timeout(request)))
        kept = [(k, v) for k, v in response.headers if not (response.decoded and k.lower() in _INFLATED)]
        streamed = "text/event-stream" in response.content_type.lower()
        cap = None if streamed else self.client.limits.max_decoded
        return httpx2.Response(
            response.status,
            headers=kept,
            stream=_Body(response, stack, cap),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )


class _Body(httpx2.AsyncByteStream):
    def __init__(self, response: StreamedResponse, stack: AsyncExitStack, cap: int | None) -> None:
        self.response = response
        self.stack = stack
        self.cap = cap

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        async for piece in self.response.iter_bytes():
            size += len(piece)
            if self.cap is not None and size > self.cap:
                raise UpstreamResponseTooLarge(self.cap)
            yield piece

    async def aclose(self) -> None:
        await self.stack.aclose()


def _read_timeout(request: httpx2.Request) -> float | None:
    """httpx2's per-request read timeout (the SDK sets a long one for SSE); None: the client's."""
    timeout: Any = request.extensions.get("timeout") or {}
    value = timeout.get("read") if isinstance(timeout, dict) else None
    return float(value) if isinstance(value, int | float) else None


def sdk_client(
    client: HttpClient,
    headers: dict[str, str] | None = None,
    context: EgressContext = ENGINE,
    **options: Any,
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` for the SDK whose requests all go through ``client``."""
    return httpx2.AsyncClient(transport=SdkTransport(client, context), headers=headers, **options)
