"""API tokens: ``gst_api_…`` bearer tokens, stored as SHA-256, optionally scoped to integrations.

A scoped token may only mint tokens whose scopes are a non-empty subset of its own: it can never
widen itself, and an empty scope list means "every integration".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from engine.auth.principal import Principal
from engine.config.durations import parse_duration
from engine.crypto import API_TOKEN_PREFIX, hash_token, new_token
from engine.errors import TokenScopeExceeded, UnknownScope
from engine.store import Store
from engine.store.records import ApiToken, utc_now

DEFAULT_TTL = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class MintedToken:
    record: ApiToken
    plaintext: str = field(repr=False)


@lru_cache(maxsize=8)
def token_ttl(text: str) -> timedelta:
    """``server.api_token_ttl`` (already validated at load time); empty means 30 days."""
    return parse_duration(text) if text else DEFAULT_TTL


def parse_scopes(names: str | Sequence[str], integrations: Collection[str]) -> tuple[str, ...]:
    """Integration names, each of which must exist: a list, or the reference's space-separated string.

    List items are split too, so ``["a b"]`` and ``"a b"`` mean the same and nothing blank is kept.
    """
    words = [names] if isinstance(names, str) else names
    scopes = tuple(scope for word in words for scope in word.split())
    for scope in scopes:
        if scope not in integrations:
            raise UnknownScope(scope)
    return scopes


def check_within(caller: Principal, requested: tuple[str, ...]) -> None:
    if caller.scopes is None:
        return
    if not requested or not set(requested) <= caller.scopes:
        raise TokenScopeExceeded()


async def mint(
    store: Store, user_id: str, name: str, scopes: tuple[str, ...], expires_at: datetime | None
) -> MintedToken:
    plaintext = new_token(API_TOKEN_PREFIX)
    record = await store.create_api_token(user_id, name, hash_token(plaintext), scopes, expires_at)
    return MintedToken(record=record, plaintext=plaintext)


def expiry(ttl: timedelta) -> datetime:
    return utc_now() + ttl
