"""Finding the credential for one call: connection mode, instance selection, refresh.

``CredentialSource`` is the seam to the store: it returns the caller's stored credential for
(user, integration, connection, instance). Identity credentials declared in config
(``identity: {field: secret://…}``) are served from memory and need no store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from engine.auth.principal import IDENTITY_USER, Principal
from engine.compiler.model import Connection
from engine.errors import NoCredential
from engine.invocation.manual_credential import MANUAL_AUTH_TYPES, connect_hint


@dataclass(frozen=True, slots=True)
class ResolvedCredential:
    fields: Mapping[str, str]  # always has "token" when the credential is a single value
    connection_params: Mapping[str, str] = field(default_factory=dict)


class CredentialSource(Protocol):
    async def lookup(
        self,
        principal: Principal,
        user_id: str,
        integration: str,
        connection: Connection,
        instance: str | None,
        refresh: bool = True,
    ) -> ResolvedCredential | None:
        """The stored credential, refreshed if due (``refresh``: a dry run never refreshes); None
        when there is none.

        Raises ``AmbiguousInstance`` when several instances exist and none was chosen."""
        ...

    async def connected(self, principal: Principal) -> frozenset[tuple[str, str]]:
        """(integration, connection) of every stored credential the caller may use: its own and
        the shared identity ones."""
        ...


def identity_from_config(connection: Connection) -> ResolvedCredential | None:
    if not connection.identity:
        return None
    fields = dict(connection.identity)
    if "token" not in fields and len(fields) == 1:
        fields["token"] = next(iter(fields.values()))
    fields.setdefault("token", fields.get("access_token", ""))
    return ResolvedCredential(fields)


async def resolve_credential(
    source: CredentialSource,
    principal: Principal,
    integration: str,
    connection: Connection,
    instance: str | None,
    refresh: bool = True,
) -> ResolvedCredential | None:
    """Apply the connection's mode (spec §3). Returns None only for mode ``none``."""
    mode = connection.mode
    if mode == "none":
        return None
    if mode in ("user", "either"):
        found = await source.lookup(principal, principal.user_id, integration, connection, instance, refresh)
        if found is not None or mode == "user":
            if found is None:
                raise missing_credential(integration, connection)
            return found
    found = identity_from_config(connection)
    if found is None:
        found = await source.lookup(principal, IDENTITY_USER, integration, connection, instance, refresh)
    if found is None:
        raise NoCredential(integration, "its shared identity credential is not configured")
    return found


def missing_credential(integration: str, connection: Connection) -> NoCredential:
    """The 412 for a caller with nothing stored, saying how this connection is connected."""
    if connection.auth_type not in MANUAL_AUTH_TYPES:
        return NoCredential(integration)  # OAuth: the reference's own hint
    return NoCredential(integration, connect_hint(integration, connection))
