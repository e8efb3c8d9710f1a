"""``auth.provider: local``: one configured user, logged in without an external identity provider.

``POST /api/v1/auth/login`` issues the session directly. When ``auth.config.password`` is set the
body must carry the matching ``password``: an Argon2 hash (``$argon2id$…``) is verified with
argon2-cffi, any other value (typically ``secret://NAME``, resolved at startup) is compared in
constant time. Without a password anyone who can reach the server may log in as that user, as in
the reference; that is meant for a single-user machine.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.auth.login import Identity, LoginRequest, LoginResult, LoginStart, ProviderConfig
from engine.errors import LoginFailed

DEFAULT_EMAIL = "local@gestalt.local"
DEFAULT_DISPLAY_NAME = "Local User"
_ARGON2_PREFIX = "$argon2"


class LocalLogin:
    name = "local"
    display_name = "Local"

    def __init__(self, config: ProviderConfig) -> None:
        self.identity = Identity(
            email=config.text("email") or DEFAULT_EMAIL,
            display_name=config.text("display_name") or DEFAULT_DISPLAY_NAME,
        )
        self.session_ttl: timedelta = config.duration("session_ttl", timedelta(hours=24))
        self._password = config.text("password")
        if self._password.startswith(_ARGON2_PREFIX):
            _check_hash(self._password, config)

    async def begin(self, request: LoginRequest) -> LoginStart:
        if self._password and not await self._password_matches(request.password):
            raise LoginFailed()
        return LoginStart(url="/", identity=self.identity)

    async def complete(self, code: str, state: str) -> LoginResult:
        raise LoginFailed()  # nothing redirects back here: begin() already logged the caller in

    async def _password_matches(self, given: str) -> bool:
        if not given:
            return False
        if not self._password.startswith(_ARGON2_PREFIX):
            return hmac.compare_digest(given.encode(), self._password.encode())
        # Argon2 costs tens of milliseconds of CPU: keep it off the event loop.
        return await asyncio.to_thread(_verify, self._password, given)


def _verify(hashed: str, given: str) -> bool:
    try:
        return PasswordHasher().verify(hashed, given)
    except (VerificationError, InvalidHashError):
        return False


def _check_hash(hashed: str, config: ProviderConfig) -> None:
    try:
        PasswordHasher().check_needs_rehash(hashed)
    except (InvalidHashError, ValueError):
        config.fail("password", "is not a valid Argon2 hash")
