"""OAuth refresh of stored credentials: once per credential, however many calls and replicas want it.

A credential is due when it has a refresh token and expires within five minutes. Inside one
process, callers of the same credential queue on one lock and re-read the row once they hold it,
so only the first one refreshes. Across processes a lease decides: ``store.use_once`` on the row's
version (and failure count) admits one replica to the token endpoint for 30 s; the others use the
token in hand while it is still valid, or, when it has expired, wait for the holder's write (the
row's version moves) or its failure (the failure count moves, and they fail the same way). The
write itself is still guarded by the version (``compare_and_swap_credential``). A rotated refresh
token is persisted with the new access token. A failure is counted on the row; the old token is
still used while it is valid, and an expired one fails the call (502).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from engine.auth.integration_oauth import OAuth2Client, TokenSet
from engine.auth.oauth_clients import OAuthClients
from engine.compiler.model import Connection
from engine.errors import (
    McpOAuthDiscoveryFailed,
    OAuthTokenError,
    RefreshFailed,
    StoreError,
    TokenMetadataFailed,
)
from engine.store import Credential, CredentialData, Store
from engine.store.records import utc_now
from engine.telemetry import otel

REFRESH_WINDOW = timedelta(minutes=5)
LEASE = timedelta(seconds=30)  # longer than a token request may take (egress timeout + retries)
_FOLLOW_POLL_S = 0.05
_log = logging.getLogger("gestalt.refresh")


def refresh_due(cred: Credential) -> bool:
    if not cred.refresh_token or cred.expires_at is None:
        return False
    return cred.expires_at - utc_now() <= REFRESH_WINDOW


def as_params(metadata: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in metadata.items() if v is not None}


class Refresher:
    def __init__(self, store: Store, clients: OAuthClients) -> None:
        self._store = store
        self._clients = clients
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def fresh(self, cred: Credential, connection: Connection) -> Credential:
        """``cred``, or its refreshed successor when it was due."""
        if not refresh_due(cred):
            return cred
        try:
            client = await self._clients.client(cred.integration, connection)
        except McpOAuthDiscoveryFailed as exc:  # the token in hand still works until it expires
            return await self._failed(cred, exc)
        if client is None:
            return cred
        lock = self._locks.get(cred.id)
        if lock is None:
            lock = self._locks[cred.id] = asyncio.Lock()
        async with lock:
            current = await self._reread(cred)
            if not refresh_due(current):
                return current  # refreshed while we waited, here or in another replica
            if await self._lease(current):
                return await self._refresh(client, current)
            return await self._follow(current)

    async def _lease(self, current: Credential) -> bool:
        """Whether this replica is the one to refresh ``current``: one lease per version and
        failure count, so a refresh that failed can be tried again by the next call."""
        key = f"refresh:{current.id}:{current.version}:{current.refresh_error_count}"
        try:
            return await self._store.use_once(key, utc_now() + LEASE)
        except StoreError as exc:
            raise RefreshFailed() from exc

    async def _follow(self, current: Credential) -> Credential:
        """Another replica is refreshing ``current``: use it while valid, else wait for the outcome."""
        if not _expired(current):
            return current
        deadline = asyncio.get_running_loop().time() + LEASE.total_seconds()
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(_FOLLOW_POLL_S)
            latest = await self._reread(current)
            if latest.version != current.version:
                return latest
            if latest.refresh_error_count != current.refresh_error_count:
                raise RefreshFailed()  # the holder's refresh failed, and was recorded there
        raise RefreshFailed()  # the holder went away without an answer; the lease has lapsed

    async def _refresh(self, client: OAuth2Client, current: Credential) -> Credential:
        tracing = otel.ACTIVE
        if tracing is None:
            return await self._exchange(client, current)
        outcome = "failed"  # until a new token is in the row
        with tracing.span("credential.refresh", {"gestalt.integration": current.integration}) as span:
            try:
                fresh = await self._exchange(client, current)
                outcome = "ok" if fresh.version != current.version else "failed"
                return fresh
            finally:
                span.set_attribute("gestalt.outcome", outcome)
                tracing.refreshes.add(1, {"integration": current.integration, "outcome": outcome})

    async def _exchange(self, client: OAuth2Client, current: Credential) -> Credential:
        try:
            tokens = await client.refresh(current.refresh_token, as_params(current.metadata))
            new = _successor(current, tokens, client.auth.token_metadata)
        except (OAuthTokenError, TokenMetadataFailed) as exc:
            return await self._failed(current, exc)
        try:
            await self._store.compare_and_swap_credential(current.id, current.version, new)
        except StoreError as exc:
            raise RefreshFailed() from exc
        # Won or lost the swap, the row now holds the token to use.
        return await self._reread(current)

    async def _failed(self, current: Credential, exc: Exception) -> Credential:
        latest = await self._reread(current)
        if latest.version != current.version:
            return latest  # another replica refreshed first (and may have rotated our refresh token)
        try:
            await self._store.record_refresh_error(current.id)
        except StoreError:
            _log.warning("could not record refresh error", extra={"fields": {"credential_id": current.id}})
        expired = _expired(current)
        _log.warning(
            "token refresh failed",
            extra={
                "fields": {
                    "integration": current.integration,
                    "connection": current.connection,
                    "credential_id": current.id,
                    "reason": str(exc),
                    "expired": expired,
                }
            },
        )
        if expired:
            raise RefreshFailed() from exc
        return current

    async def _reread(self, cred: Credential) -> Credential:
        try:
            latest = await self._store.get_credential_by_id(cred.id)
        except StoreError as exc:
            raise RefreshFailed() from exc
        if latest is None:
            raise RefreshFailed()  # disconnected while we were refreshing
        return latest


def _expired(cred: Credential) -> bool:
    return cred.expires_at is not None and cred.expires_at <= utc_now()


def _successor(current: Credential, tokens: TokenSet, metadata_fields: tuple[str, ...]) -> CredentialData:
    now = utc_now()
    return CredentialData(
        user_id=current.user_id,
        integration=current.integration,
        connection=current.connection,
        instance=current.instance,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token or current.refresh_token,
        scopes=tokens.scopes or current.scopes,
        expires_at=now + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None,
        last_refreshed_at=now,
        metadata={**current.metadata, **tokens.metadata(metadata_fields)},
    )
