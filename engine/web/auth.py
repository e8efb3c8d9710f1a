"""Who is calling: turns request headers into a Principal (or a 401 with the reference's messages).

The authenticator is chosen by ``bootstrap`` from ``auth.provider``. With ``none`` every request
is the one anonymous user.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from engine.errors import (
    InvalidAuthorizationFormat,
    InvalidToken,
    MissingAuthorization,
    Unauthorized,
)
from engine.invocation.principal import ANONYMOUS, Principal

# The 401s live in the one error tree; surfaces keep importing them from here.
__all__ = [
    "AnonymousAuthenticator",
    "Authenticator",
    "InvalidAuthorizationFormat",
    "InvalidToken",
    "MissingAuthorization",
    "Unauthorized",
    "bearer_token",
    "credentials_from_headers",
]


class Authenticator(Protocol):
    async def authenticate(self, authorization: str, cookie_token: str) -> Principal: ...


class AnonymousAuthenticator:
    """``auth.provider: none``: credentials are ignored; everyone is ``anonymous@gestalt``."""

    async def authenticate(self, authorization: str, cookie_token: str) -> Principal:
        return ANONYMOUS


def credentials_from_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str]:
    """(Authorization header, session_token cookie) from raw ASGI headers."""
    authorization = ""
    cookie = ""
    for name, value in headers:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"cookie":
            cookie = _session_cookie(value.decode("latin-1"))
    return authorization, cookie


def _session_cookie(header: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "session_token":
            return value
    return ""


def bearer_token(authorization: str) -> str:
    """The token of ``Authorization: Bearer <t>``; raise the reference's 401s otherwise."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidAuthorizationFormat()
    return token.strip()
