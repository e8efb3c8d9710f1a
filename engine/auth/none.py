"""``auth.provider: none``: one anonymous user; there is nothing to log in to."""

from __future__ import annotations

from datetime import timedelta

from engine.auth.login import DEFAULT_SESSION_TTL, LoginRequest, LoginResult, LoginStart
from engine.errors import InternalError, LoginFailed


class NoneLogin:
    name = "none"
    display_name = "none"
    session_ttl: timedelta = DEFAULT_SESSION_TTL

    async def begin(self, request: LoginRequest) -> LoginStart:
        raise InternalError("failed to generate login URL")

    async def complete(self, code: str, state: str) -> LoginResult:
        raise LoginFailed()
