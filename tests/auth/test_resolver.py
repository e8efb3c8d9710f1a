"""The request-path authenticator: one store lookup per request, nothing for ``none``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from engine.auth import resolver
from engine.auth.authenticator import AnonymousAuthenticator
from engine.auth.resolver import TokenAuthenticator
from engine.crypto import hash_token, new_token
from engine.errors import InvalidToken, StoreError, TokenValidationFailed
from engine.store import ApiToken, Session, User
from engine.store.records import utc_now

NOW = datetime(2030, 1, 1, tzinfo=UTC)


class CountingStore:
    """Just the three reads the authenticator may make, counted."""

    def __init__(self, session_token: str, api_token: str, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail
        self.clock = utc_now
        self.while_reading: Callable[[], None] = lambda: None
        self.sessions = {
            hash_token(session_token): Session(
                token_hash="", user_id="u1", created_at=NOW, expires_at=NOW + timedelta(days=1)
            )
        }
        self.tokens = {
            hash_token(api_token): ApiToken(
                id="t1",
                user_id="u1",
                name="n",
                token_hash="",
                scopes=("echo",),
                expires_at=None,
                created_at=NOW,
                updated_at=NOW,
            )
        }

    async def get_session(self, token_hash: str) -> Session | None:
        self.calls.append("session")
        if self.fail:
            raise StoreError()
        return self.sessions.get(token_hash)

    async def get_api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        self.calls.append("api_token")
        self.while_reading()
        return self.tokens.get(token_hash)

    async def get_user(self, user_id: str) -> User | None:
        self.calls.append("user")
        return User(id=user_id, email="u@example.com", display_name="", created_at=NOW, updated_at=NOW)


def _setup(fail: bool = False) -> tuple[TokenAuthenticator, CountingStore, str, str]:
    session, api = new_token("gst_ses_"), new_token()
    store = CountingStore(session, api, fail)
    return TokenAuthenticator(store), store, session, api  # type: ignore[arg-type]


def test_one_lookup_per_request_once_the_user_is_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolver, "CACHE_SECONDS", 0.0)
    auth, store, session, api = _setup()
    first = asyncio.run(auth.authenticate(f"Bearer {api}", ""))
    assert (first.user_id, first.email, first.kind, first.scopes) == (
        "u1",
        "u@example.com",
        "api_token",
        frozenset({"echo"}),
    )
    store.calls.clear()
    for _ in range(3):
        asyncio.run(auth.authenticate(f"Bearer {api}", ""))
        asyncio.run(auth.authenticate("", session))
    assert store.calls == ["api_token", "session"] * 3


def test_recent_lookups_are_reused_for_a_second_and_forgotten_on_revocation() -> None:
    auth, store, session, api = _setup()
    asyncio.run(auth.authenticate(f"Bearer {api}", ""))
    asyncio.run(auth.authenticate("", session))
    store.calls.clear()
    for _ in range(3):
        asyncio.run(auth.authenticate(f"Bearer {api}", ""))
        asyncio.run(auth.authenticate("", session))
    assert store.calls == []
    auth.forget(token=session)
    asyncio.run(auth.authenticate("", session))
    assert store.calls == ["session"]
    auth.forget(user_id="u1")
    asyncio.run(auth.authenticate(f"Bearer {api}", ""))
    assert store.calls == ["session", "api_token"]


def test_a_lookup_is_never_remembered_past_the_tokens_expiry() -> None:
    auth, store, session, _ = _setup()
    expiry = next(iter(store.sessions.values())).expires_at
    store.clock = lambda: expiry  # the session's last moment, by the store's clock
    for _ in range(2):
        asyncio.run(auth.authenticate("", session))
    assert store.calls == ["session", "user", "session"]  # looked up again, not remembered


def test_a_lookup_under_way_across_a_revocation_is_not_remembered() -> None:
    auth, store, _, api = _setup()
    store.while_reading = lambda: auth.forget(user_id="u1")  # revoked while the row is read
    asyncio.run(auth.authenticate(f"Bearer {api}", ""))
    store.while_reading = lambda: None
    asyncio.run(auth.authenticate(f"Bearer {api}", ""))
    assert store.calls.count("api_token") == 2  # the second request looked again


def test_unprefixed_tokens_never_reach_the_store() -> None:
    auth, store, _, _ = _setup()
    with pytest.raises(InvalidToken):
        asyncio.run(auth.authenticate("Bearer eyJhbGciOi.something.else", ""))
    assert store.calls == []


def test_store_failure_is_a_500_not_a_401() -> None:
    auth, _, session, _ = _setup(fail=True)
    with pytest.raises(TokenValidationFailed):
        asyncio.run(auth.authenticate(f"Bearer {session}", ""))


def test_none_ignores_every_credential() -> None:
    principal = asyncio.run(AnonymousAuthenticator().authenticate("Bearer whatever", "cookie"))
    assert principal.email == "anonymous@gestalt" and principal.scopes is None
