"""Who is calling: what turns a request's credentials into a Principal (or a 401 with the
reference's messages).

The authenticator is chosen by ``bootstrap`` from ``auth.provider``. With ``none`` every request
is the one anonymous user. Surfaces read the credentials (``engine.surface.credentials``) and
hand them here as plain strings.
"""

from __future__ import annotations

from typing import Protocol

from engine.auth.principal import ANONYMOUS, Principal
from engine.errors import InvalidAuthorizationFormat


class Authenticator(Protocol):
    async def authenticate(self, authorization: str, cookie_token: str) -> Principal: ...


class AnonymousAuthenticator:
    """``auth.provider: none``: credentials are ignored; everyone is ``anonymous@gestalt``."""

    async def authenticate(self, authorization: str, cookie_token: str) -> Principal:
        return ANONYMOUS


def bearer_token(authorization: str) -> str:
    """The token of ``Authorization: Bearer <t>``; raise the reference's 401s otherwise."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidAuthorizationFormat()
    return token.strip()
