"""``auth.provider: local``: one configured user, logged in without an external identity provider.

``POST /api/v1/auth/login`` issues the session directly (a cookie for browsers and ``curl -c``) and
answers a URL to the client's callback page (``/auth/callback?code=…&state=…``) whose one-time code
(60 seconds, single use, in any replica) the login callback exchanges for a session, as a
single-page client following the reference's flow expects. When ``auth.config.password`` is set the
body must carry the matching ``password`` before either is issued: an Argon2 hash
(``$argon2id$…``) is verified with argon2-cffi, any other value (typically ``secret://NAME``,
resolved at startup) is compared in constant time. Without a password anyone who can reach the
server may log in as that user, as in the reference; that is meant for a single-user machine.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.auth.login import Identity, LoginRequest, LoginResult, LoginStart, ProviderConfig
from engine.auth.login_binding import LoginBinding, bind, take
from engine.errors import LoginFailed, StoreError
from engine.store import Store

DEFAULT_EMAIL = "local@gestalt.local"
DEFAULT_DISPLAY_NAME = "Local User"
_ARGON2_PREFIX = "$argon2"
CALLBACK_PAGE = "/auth/callback"  # the web client's page, which calls the login callback
CODE_TTL = timedelta(seconds=60)
_PURPOSE = "login-code"


class LocalLogin:
    name = "local"
    display_name = "Local"

    def __init__(self, config: ProviderConfig, store: Store) -> None:
        self._store = store
        self.identity = Identity(
            email=config.text("email") or DEFAULT_EMAIL,
            display_name=config.text("display_name") or DEFAULT_DISPLAY_NAME,
        )
        self.session_ttl: timedelta = config.duration("session_ttl", timedelta(hours=24))
        self._password = config.text("password")
        if self._password.startswith(_ARGON2_PREFIX):
            _check_hash(self._password, config)

    @property
    def needs_password(self) -> bool:
        return bool(self._password)

    async def begin(self, request: LoginRequest) -> LoginStart:
        if self._password and not await self._password_matches(request.password):
            raise LoginFailed()
        code = secrets.token_urlsafe(32)
        binding = LoginBinding(request.state, request.callback_port, return_to=request.return_to)
        await bind(self._store, _PURPOSE, code, binding, CODE_TTL)
        url = CALLBACK_PAGE + "?" + urlencode({"code": code, "state": binding.sent_state})
        return LoginStart(url=url, identity=self.identity)

    async def complete(self, code: str, state: str) -> LoginResult:
        try:
            binding = await take(self._store, _PURPOSE, code)
        except StoreError as exc:
            raise LoginFailed() from exc
        if binding is None or not binding.matches(state):
            raise LoginFailed()
        return LoginResult(self.identity, binding.client_state, binding.callback_port, binding.return_to)

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
