"""The ``CredentialSource`` backed by the datastore, and the connection bookkeeping around it.

Lookup for (user, integration, connection, instance): with an instance, that exact row; without,
every row of the connection: none → no credential, one → it, several → 409 naming them. Due
OAuth tokens are refreshed (``Refresher``) before they are handed to the provider.

A stored secret is either one value (a token) or, for multi-field manual credentials, the JSON
object of its fields; providers always receive a field mapping, with ``token`` set whenever the
credential is a single value. The row's metadata becomes the call's connection params.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from engine.auth.oauth_clients import OAuthClients
from engine.auth.principal import Principal
from engine.compiler.model import Connection
from engine.errors import AmbiguousInstance, InternalError, NotAuthenticated, StoreError
from engine.invocation.credentials import ResolvedCredential
from engine.invocation.refresh import Refresher, as_params
from engine.store import IDENTITY_USER_ID, Credential, CredentialData, Store

USER_CACHE_SIZE = 10_000
IDENTITY_ROWS_SECONDS = 5.0


class StoreCredentials:
    def __init__(self, store: Store, oauth: OAuthClients) -> None:
        self.store = store
        self.oauth = oauth
        self.refresher = Refresher(store, oauth)
        # email → user id. A users row is never re-keyed, so an entry cannot go stale; it spares
        # principals without a user id (``auth.provider: none``) a write on every call.
        self._user_ids: dict[str, str] = {}
        self._identity_rows_cache: list[Credential] = []
        self._identity_read_at = -IDENTITY_ROWS_SECONDS

    async def user_id(self, principal: Principal) -> str:
        """The caller's user id: the principal's own, else found or created by email."""
        if principal.user_id:
            return principal.user_id
        if not principal.email:
            raise NotAuthenticated()
        cached = self._user_ids.get(principal.email)
        if cached is not None:
            return cached
        try:
            user = await self.store.find_or_create_user(principal.email)
        except StoreError as exc:
            raise InternalError("failed to resolve user") from exc
        if len(self._user_ids) >= USER_CACHE_SIZE:
            self._user_ids.clear()
        self._user_ids[principal.email] = user.id
        return user.id

    async def lookup(
        self,
        principal: Principal,
        user_id: str,
        integration: str,
        connection: Connection,
        instance: str | None,
        refresh: bool = True,
    ) -> ResolvedCredential | None:
        owner = user_id or await self.user_id(principal)
        row = await self._select(owner, integration, connection.name, instance)
        if row is None:
            return None
        if refresh:
            row = await self.refresher.fresh(row, connection)
        return ResolvedCredential(credential_fields(row.access_token), as_params(row.metadata))

    async def _select(
        self, user_id: str, integration: str, connection: str, instance: str | None
    ) -> Credential | None:
        try:
            if instance:
                return await self.store.get_credential(user_id, integration, connection, instance)
            rows = await self.store.list_credentials(user_id, integration, connection)
        except StoreError as exc:
            raise InternalError() from exc
        if len(rows) > 1:
            raise AmbiguousInstance(integration, [r.instance for r in rows])
        return rows[0] if rows else None

    async def connected(self, principal: Principal) -> frozenset[tuple[str, str]]:
        owner = await self.user_id(principal)
        try:
            rows = await self.store.list_credentials(owner)
            shared = await self._identity_rows()
        except StoreError as exc:
            raise InternalError("failed to check integration status") from exc
        return frozenset((r.integration, r.connection) for r in [*rows, *shared])

    async def _identity_rows(self) -> list[Credential]:
        """The shared identity credentials, read at most every few seconds (they change when an
        operator connects one, rarely)."""
        now = time.monotonic()
        if now - self._identity_read_at > IDENTITY_ROWS_SECONDS:
            self._identity_rows_cache = await self.store.list_credentials(IDENTITY_USER_ID)
            self._identity_read_at = now
        return self._identity_rows_cache

    async def save(self, data: CredentialData) -> Credential:
        try:
            return await self.store.upsert_credential(data)
        except StoreError as exc:
            raise InternalError("failed to store connection") from exc

    async def instances(self, principal: Principal, integration: str) -> list[dict[str, str]]:
        """``instances`` of the integration listing: one entry per stored credential."""
        try:
            owner = await self.user_id(principal)
            rows = await self.store.list_credentials(owner, integration)
        except (StoreError, InternalError) as exc:
            raise InternalError("failed to check integration status") from exc
        return [{"name": r.instance, "connection": r.connection} for r in rows]


def credential_fields(secret: str) -> dict[str, str]:
    """The field mapping of a stored secret (see the module docstring)."""
    fields = _json_fields(secret) if secret.startswith("{") else None
    if fields is None:
        return {"token": secret}
    if len(fields) == 1 and "token" not in fields:
        fields["token"] = next(iter(fields.values()))
    return fields


def _json_fields(secret: str) -> dict[str, str] | None:
    try:
        doc: Any = json.loads(secret)
    except ValueError:
        return None
    if not isinstance(doc, Mapping) or not all(isinstance(v, str) for v in doc.values()):
        return None
    return dict(doc)
