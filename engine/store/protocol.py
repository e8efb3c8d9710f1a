"""The one interface every datastore implements (SQLite, Postgres).

All methods are coroutines. Records carry plaintext secrets; implementations encrypt on write and
decrypt on read. Failures raise ``StoreError`` (or ``DecryptionError`` when a stored value cannot be
opened with the configured key); "not found" is ``None``/``False``, never an exception.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from engine.store.records import (
    ApiToken,
    Clock,
    Credential,
    CredentialData,
    OAuthClient,
    OAuthGrant,
    OAuthRegistration,
    Session,
    User,
)


class Store(Protocol):
    clock: Clock
    """The time every expiry is checked against (``utc_now``; tests move it on)."""

    # ---- lifecycle ----

    async def migrate(self) -> None:
        """Bring the schema up to date. Idempotent, and safe when several replicas start at once."""

    async def ping(self) -> None:
        """Raise ``StoreError`` unless the datastore answers (readiness)."""

    async def close(self) -> None:
        """Release connections. The store must not be used afterwards."""

    # ---- users ----

    async def find_or_create_user(self, email: str, display_name: str = "") -> User:
        """The user with ``email``, created on first sight (concurrent creators converge on one row)."""
        ...

    async def get_user(self, user_id: str) -> User | None: ...

    # ---- platform sessions ----

    async def create_session(self, user_id: str, token_hash: str, expires_at: datetime) -> Session: ...

    async def get_session(self, token_hash: str) -> Session | None:
        """The session if it exists and has not expired; deleted (revoked) sessions are gone."""
        ...

    async def delete_session(self, token_hash: str) -> bool:
        """Revoke a session. True if one was deleted."""
        ...

    # ---- API tokens ----

    async def create_api_token(
        self,
        user_id: str,
        name: str,
        token_hash: str,
        scopes: tuple[str, ...],
        expires_at: datetime | None,
        grant: OAuthGrant | None = None,
        mcp_tools: str = "",
    ) -> ApiToken:
        """A new token; with ``grant``, one issued by ``/oauth/token`` (its client, its refresh);
        ``mcp_tools``: how /mcp offers tools to it ("" = the deployment's choice)."""
        ...

    async def get_api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token if its ``expires_at`` is unset or in the future."""
        ...

    async def list_api_tokens(self, user_id: str) -> list[ApiToken]:
        """All of the user's tokens, expired ones included, oldest first."""
        ...

    async def delete_api_token(self, user_id: str, token_id: str) -> bool:
        """Delete the token only if ``user_id`` owns it."""
        ...

    async def delete_all_api_tokens(self, user_id: str) -> int: ...

    # ---- integration credentials ----

    async def upsert_credential(self, cred: CredentialData) -> Credential:
        """Insert, or replace every field of the row with the same (user, integration, connection,
        instance). The existing id and created_at are kept; version increases."""
        ...

    async def get_credential(
        self, user_id: str, integration: str, connection: str, instance: str
    ) -> Credential | None: ...

    async def get_credential_by_id(self, credential_id: str) -> Credential | None: ...

    async def list_credentials(
        self, user_id: str, integration: str | None = None, connection: str | None = None
    ) -> list[Credential]:
        """The user's credentials, ordered by integration, connection, instance."""
        ...

    async def delete_credential(self, user_id: str, credential_id: str) -> bool:
        """Delete the credential only if ``user_id`` owns it."""
        ...

    async def compare_and_swap_credential(
        self, credential_id: str, expected_version: int, new: CredentialData
    ) -> bool:
        """Replace the tokens, scopes, expiry and metadata of a credential if its version is still
        ``expected_version``. Exactly one of several concurrent swappers (in any process) wins; the
        losers get False and should re-read. A win bumps the version and clears the refresh error
        count. The key fields of ``new`` (user, integration, connection, instance) must be the
        credential's own (its secrets are bound to them): otherwise nothing is swapped."""
        ...

    async def record_refresh_error(self, credential_id: str) -> None:
        """Count a failed refresh on the credential. Does not change its version."""

    # ---- single use (sealed OAuth state, pending connections) ----

    async def use_once(self, key: str, expires_at: datetime) -> bool:
        """True the first time ``key`` is presented, False on every later call, in any replica.
        Keep the marker until ``expires_at`` (when the sealed blob it guards expires anyway);
        expired markers are purged as a side effect."""
        ...

    # ---- one-time values (login state bindings, login codes) ----

    async def put_one_time(self, key: str, value: str, expires_at: datetime) -> None:
        """Keep ``value`` (encrypted at rest) under ``key`` until ``expires_at``, replacing any
        earlier value; expired values are purged as a side effect."""

    async def take_one_time(self, key: str) -> str | None:
        """The unexpired value under ``key``, removed in the same step: of several takers, in any
        replica, exactly one gets it; the others (and every later call) get None."""
        ...

    # ---- webhook deliveries (de-duplication) ----

    async def claim_delivery(self, binding: str, delivery_id: str, expires_at: datetime) -> bool:
        """True for the first claim of (``binding``, ``delivery_id``) until ``expires_at``, False for
        every later one in any replica (a replay); expired claims are purged as a side effect."""
        ...

    async def release_delivery(self, binding: str, delivery_id: str) -> None:
        """Forget a claim (its forward failed), so the sender's retry is forwarded."""

    # ---- dynamic OAuth client registrations (mcp_oauth) ----

    async def get_oauth_registration(self, auth_server: str, redirect_uri: str) -> OAuthRegistration | None:
        """The registration for (auth server, redirect URI) unless it has expired."""
        ...

    async def put_oauth_registration(self, registration: OAuthRegistration) -> None:
        """Insert, or replace the registration with the same (auth server, redirect URI)."""

    # ---- gestaltd's own authorization server: clients and grants ----

    async def put_oauth_client(self, client: OAuthClient) -> None:
        """Register a client (its id is new: ids are random)."""

    async def get_oauth_client(self, client_id: str) -> OAuthClient | None: ...

    async def get_api_token_by_refresh_hash(self, refresh_hash: str) -> ApiToken | None:
        """The grant whose current refresh token has this hash, unless that refresh token expired."""
        ...

    async def rotate_grant(
        self,
        token_id: str,
        refresh_hash: str,
        *,
        token_hash: str,
        expires_at: datetime,
        new_refresh_hash: str,
        refresh_expires_at: datetime,
    ) -> bool:
        """Replace the grant's access token and refresh token if its refresh token is still
        ``refresh_hash``: exactly one of several concurrent rotations (in any replica) wins."""
        ...

    async def revoke_replayed_grant(self, refresh_hash: str) -> str:
        """Delete the grant whose *previous* refresh token has this hash (a replayed refresh
        token); the owner's user id, or "" when there is none."""
        ...
