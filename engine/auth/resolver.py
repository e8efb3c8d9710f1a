"""The request-path authenticator for every provider but ``none``: bearer or cookie → Principal.

One indexed store lookup per request (session or API token, by SHA-256); no key derivation and no
Argon2 here. The user's email is read once per user id and remembered: a user row is keyed on its
email and never re-keyed, so the cache cannot go stale, whereas sessions and tokens are looked up
every time so that revocation takes effect at once, in every replica.

Order as in the reference: a valid ``session_token`` cookie wins; an invalid one falls through to
the ``Authorization`` header (the only case that costs a second lookup).
"""

from __future__ import annotations

from engine.crypto import API_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, hash_token
from engine.errors import InvalidToken, MissingAuthorization, StoreError, TokenValidationFailed
from engine.invocation.principal import Principal
from engine.store import Store
from engine.web.auth import bearer_token

EMAIL_CACHE_SIZE = 10_000


class TokenAuthenticator:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._emails: dict[str, str] = {}

    async def authenticate(self, authorization: str, cookie_token: str) -> Principal:
        if cookie_token:
            principal = await self._resolve(cookie_token)
            if principal is not None:
                return principal
        if authorization:
            principal = await self._resolve(bearer_token(authorization))
            if principal is not None:
                return principal
        if cookie_token or authorization:
            raise InvalidToken()
        raise MissingAuthorization()

    async def _resolve(self, token: str) -> Principal | None:
        try:
            if token.startswith(SESSION_TOKEN_PREFIX):
                return await self._session(token)
            if token.startswith(API_TOKEN_PREFIX):
                return await self._api_token(token)
        except StoreError as exc:
            raise TokenValidationFailed() from exc
        return None  # unprefixed values are never looked up

    async def _session(self, token: str) -> Principal | None:
        session = await self._store.get_session(hash_token(token))
        if session is None:
            return None
        email = await self._email(session.user_id)
        return Principal(email=email, user_id=session.user_id, kind="session") if email else None

    async def _api_token(self, token: str) -> Principal | None:
        record = await self._store.get_api_token_by_hash(hash_token(token))
        if record is None:
            return None
        email = await self._email(record.user_id)
        if not email:
            return None
        scopes = frozenset(record.scopes) if record.scopes else None
        return Principal(
            email=email, user_id=record.user_id, kind="api_token", scopes=scopes, token_id=record.id
        )

    async def _email(self, user_id: str) -> str:
        email = self._emails.get(user_id)
        if email is None:
            user = await self._store.get_user(user_id)
            if user is None:
                return ""
            if len(self._emails) >= EMAIL_CACHE_SIZE:
                self._emails.clear()
            email = self._emails[user_id] = user.email
        return email
