"""The rows the store keeps, as frozen values.

Secrets appear here in plaintext: the store encrypts ``access_token``/``refresh_token`` on the way in
and decrypts them on the way out, so nothing above the store ever handles ciphertext. Timestamps are
timezone-aware UTC truncated to whole seconds (``utc_seconds``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

IDENTITY_USER_ID = "__identity__"
"""The pseudo-user that owns shared (``identity``-mode) credentials. Its users row is created by a
migration, so identity credentials satisfy the foreign key like any other."""

DEFAULT_INSTANCE = "default"


def utc_seconds(moment: datetime) -> datetime:
    """Normalise to aware UTC without microseconds; naive datetimes are rejected, not guessed."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the store only accepts timezone-aware values")
    return moment.astimezone(UTC).replace(microsecond=0)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


Clock = Callable[[], datetime]
"""What a store reads the time from: ``utc_now``, or a test's clock it can move on."""


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    id: str
    email: str
    display_name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A platform login session; the bearer value itself is never stored, only its hash."""

    token_hash: str
    user_id: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiToken:
    id: str
    user_id: str
    name: str
    token_hash: str
    scopes: tuple[str, ...]
    """Integration names the token may call; empty means every integration."""
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    client_id: str = ""
    """Set on a token gestaltd's authorization server issued (``/oauth/token``): its client."""
    client_name: str = ""
    resource: str = ""
    """The RFC 8707 resource the token was issued for (this server's ``/mcp`` or its root)."""
    refresh_expires_at: datetime | None = None
    """When the grant's refresh token expires; None for tokens without one."""
    mcp_tools: str = ""
    """How /mcp offers tools to this token (all | search); "" follows ``server.mcp.tools``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthGrant:
    """What makes an API token an OAuth grant: the client it was issued to, and the hash of a
    refresh token that rotates on every use."""

    client_id: str
    client_name: str
    resource: str
    refresh_hash: str
    refresh_expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthClient:
    """A client registered with gestaltd's own authorization server (RFC 7591). ``metadata`` is
    the registered client metadata as answered to the client; a confidential client's secret is
    kept only as its SHA-256."""

    client_id: str
    client_name: str
    secret_hash: str = field(default="", repr=False)
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class CredentialData:
    """What a caller supplies to store or replace an integration credential."""

    user_id: str
    integration: str
    connection: str = ""
    instance: str = DEFAULT_INSTANCE
    access_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)
    scopes: str = ""
    """Granted scopes exactly as the upstream reported them."""
    expires_at: datetime | None = None
    last_refreshed_at: datetime | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)
    """``token_metadata`` captured at connect time (JSON object)."""


@dataclass(frozen=True, kw_only=True)
class Credential(CredentialData):
    """A stored credential. ``version`` increases on every write that replaces the tokens and is
    the guard of ``compare_and_swap_credential``."""

    id: str
    refresh_error_count: int
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class OAuthRegistration:
    """A dynamically registered OAuth client (``mcp_oauth``), one per (authorization server,
    redirect URI). ``client_secret`` is encrypted at rest; "" for public clients."""

    auth_server: str
    redirect_uri: str
    client_id: str
    client_secret: str = field(default="", repr=False)
    auth_method: str = "none"
    """The token endpoint auth method the server registered the client with."""
    expires_at: datetime | None = None
