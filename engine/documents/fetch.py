"""Start-up fetches: OpenAPI documents and GraphQL introspection, read once before serving.

They run while the app is built (or by ``gestaltd init``), never on the request path, from
synchronous code: each runs the engine's client on an event loop of its own, closed before it
returns, so nothing opened here outlives it (Granian's workers fork after the build). They obey
the egress policy as the engine's own requests (subject ``system``/``documents``, the integration
as provider). Failures become ``DocumentUnavailable`` naming the URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from engine.egress.client import default_client
from engine.egress.context import EgressContext, system
from engine.egress.limits import MIB, Limits
from engine.egress.policy import EgressPolicy
from engine.egress.request import OutboundRequest
from engine.errors import DocumentUnavailable, GestaltError, UpstreamHTTPError, UpstreamResponseTooLarge

T = TypeVar("T")
MAX_DOCUMENT = 100 * MIB  # documents of large APIs pass the 50 MiB an operation's answer may have
LIMITS = Limits(max_body=MAX_DOCUMENT, max_decoded=MAX_DOCUMENT)
DOCUMENTS = system("documents")


def fetch(
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    egress: EgressPolicy | None = None,
    context: EgressContext = DOCUMENTS,
) -> bytes:
    """GET ``url`` (or POST ``body`` as JSON); any status but 200 is an error naming the URL."""
    request = OutboundRequest("GET" if body is None else "POST", url, dict(headers or {}), body, context)
    if body is not None:
        request.headers["Content-Type"] = "application/json"
    return run_blocking(_fetch(request, egress))


async def _fetch(request: OutboundRequest, egress: EgressPolicy | None) -> bytes:
    client = default_client(LIMITS, egress=egress)
    try:
        result = await client.send(request)
    except UpstreamHTTPError as exc:
        raise DocumentUnavailable(f"fetching {request.url}: HTTP {exc.status}") from None
    except UpstreamResponseTooLarge:
        raise DocumentUnavailable(f"fetching {request.url}: document larger than 100 MiB") from None
    except GestaltError as exc:
        raise DocumentUnavailable(f"fetching {request.url}: {_reason(exc)}") from None
    finally:
        await client.close()
    if result.status != 200:
        raise DocumentUnavailable(f"fetching {request.url}: HTTP {result.status}")
    return result.body


def _reason(exc: GestaltError) -> str:
    cause = exc.__cause__
    return f"{exc.public_message} ({cause})" if cause is not None and str(cause) else exc.public_message


def run_blocking(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to completion from synchronous code, on a loop of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(1) as thread:  # called from inside a running loop: not on it
        return thread.submit(asyncio.run, work).result()
