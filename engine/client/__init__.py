"""``gestalt``, the client of a gestaltd server: an HTTP client (``GestaltClient``) and the CLI over it.

It imports nothing from the rest of ``engine``: it speaks only the documented HTTP API, so it runs
against any gestaltd (or the reference server) and installs without the server's stack.
"""

from __future__ import annotations

from engine.client.api import GestaltClient, Reply
from engine.client.errors import (
    AuthError,
    ClientError,
    NotFoundError,
    ServerError,
    UnreachableError,
    UpstreamError,
    UsageError,
)

__all__ = [
    "AuthError",
    "ClientError",
    "GestaltClient",
    "NotFoundError",
    "Reply",
    "ServerError",
    "UnreachableError",
    "UpstreamError",
    "UsageError",
]
