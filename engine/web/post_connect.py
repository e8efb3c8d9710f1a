"""What happens once a connect flow holds a credential (http-api §5.5).

Without discovery the credential is stored at once. With it, the discovery request runs with the
new credential: no candidate → 502 ``connection setup failed``; one → its params are merged into
the connection params and the credential is stored; several → nothing is stored and a sealed
pending connection is handed back for the user to choose (``web/pending_routes.py``).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from engine.auth.principal import user_subject
from engine.compiler.model import Connection
from engine.egress.client import HttpClient
from engine.egress.context import EgressContext
from engine.errors import ConnectionSetupFailed, InternalError
from engine.invocation.discovery import Candidate, discover
from engine.invocation.pending_connection import PendingConnection, seal_pending
from engine.invocation.refresh import as_params
from engine.invocation.store_credentials import credential_fields
from engine.store import CredentialData
from engine.store.records import utc_now
from engine.surface.runtime import Runtime
from engine.web.auth_routes import cipher_of
from engine.web.connection_requests import connections_of
from engine.web.pages import PENDING_PATH

_log = logging.getLogger("gestalt.connect")


@dataclass(frozen=True, slots=True)
class SelectionRequired:
    token: str
    pending: PendingConnection

    def as_json(self) -> dict[str, Any]:
        """The connect-manual (and JSON pending-connection) answer."""
        return {
            "status": "selection_required",
            "integration": self.pending.credential.integration,
            "selection_url": PENDING_PATH,
            "pending_token": self.token,
            "candidates": [{"id": c.id, "label": c.label} for c in self.pending.candidates],
        }


def connected_json(integration: str) -> dict[str, Any]:
    return {"status": "connected", "integration": integration}


async def finish_connect(
    runtime: Runtime, connection: Connection, data: CredentialData
) -> SelectionRequired | None:
    """Store ``data`` (after discovery, if declared), or return the pending selection."""
    service = connections_of(runtime)
    if connection.discovery is None:
        await service.save(data)
        return None
    params = as_params(data.metadata)
    fields = credential_fields(data.access_token)
    context = EgressContext(user_subject(data.user_id), data.integration)
    found = await discover(http_of(runtime), data.integration, connection, fields, params, context)
    if not found:
        _log.warning("discovery found nothing", extra={"fields": {"integration": data.integration}})
        raise ConnectionSetupFailed()
    if len(found) == 1:
        await service.save(with_candidate(data, found[0]))
        return None
    pending = PendingConnection.create(data, found)
    return SelectionRequired(seal_pending(cipher_of(runtime), pending), pending)


def with_candidate(data: CredentialData, candidate: Candidate) -> CredentialData:
    """The credential to store, its metadata extended with the candidate's checked params."""
    metadata = {**data.metadata, **candidate.checked_params()}
    return dataclasses.replace(data, metadata=metadata, last_refreshed_at=utc_now())


def http_of(runtime: Runtime) -> HttpClient:
    if runtime.http is None:
        raise InternalError("egress client is not configured")
    return runtime.http
