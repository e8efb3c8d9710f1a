"""API tokens: ``gst_api_…`` bearer tokens, stored as SHA-256, optionally scoped to integrations
(``github``) or to single operations (``github:create_issue``).

A scoped token may only mint tokens whose scopes its own cover: it can never widen itself, and an
empty scope list means "every integration".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from engine.auth.principal import OPERATION_SEPARATOR, Principal
from engine.config.durations import parse_duration
from engine.crypto import API_TOKEN_PREFIX, hash_token, new_token
from engine.errors import TokenScopeExceeded, UnknownScope
from engine.providers.model import Provider
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


_OPERATION_NAME = re.compile(r"^[a-zA-Z0-9._-]+$")


def parse_scopes(names: str | Sequence[str], providers: Mapping[str, Provider]) -> tuple[str, ...]:
    """Scopes, each naming an integration or one of its operations that exists: a list, or the
    reference's space-separated string.

    List items are split too, so ``["a b"]`` and ``"a b"`` mean the same and nothing blank is kept.
    """
    words = [names] if isinstance(names, str) else names
    scopes = tuple(dict.fromkeys(scope for word in words for scope in word.split()))
    for scope in scopes:
        if not known_scope(scope, providers):
            raise UnknownScope(scope)
    return scopes


def known_scope(scope: str, providers: Mapping[str, Provider]) -> bool:
    integration, _, operation = scope.partition(OPERATION_SEPARATOR)
    provider = providers.get(integration)
    if provider is None:
        return False
    if not operation:
        return OPERATION_SEPARATOR not in scope
    if operation in provider.operations:
        return True
    # Upstream MCP tools are known per caller: any well-formed name may be granted.
    return hasattr(provider, "dynamic_operation") and bool(_OPERATION_NAME.match(operation))


def covers(caller: Principal, scope: str) -> bool:
    """Whether the caller's own scopes include ``scope``."""
    integration, _, operation = scope.partition(OPERATION_SEPARATOR)
    if operation:
        return caller.may_call(integration, operation)
    return caller.may_use(integration) and integration not in caller.limited


def check_within(caller: Principal, requested: tuple[str, ...]) -> None:
    if caller.scopes is None:
        return
    if not requested or not all(covers(caller, scope) for scope in requested):
        raise TokenScopeExceeded()


MCP_TOOL_MODES = ("all", "search")


async def mint(
    store: Store,
    user_id: str,
    name: str,
    scopes: tuple[str, ...],
    expires_at: datetime | None,
    mcp_tools: str = "",
) -> MintedToken:
    plaintext = new_token(API_TOKEN_PREFIX)
    hashed = hash_token(plaintext)
    record = await store.create_api_token(user_id, name, hashed, scopes, expires_at, mcp_tools=mcp_tools)
    return MintedToken(record=record, plaintext=plaintext)


def expiry(ttl: timedelta) -> datetime:
    return utc_now() + ttl
