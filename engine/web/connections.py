"""Integration connection routes (reference http-api §5.4, §6.2): manual connect and disconnect.

The OAuth routes live in ``engine.web.oauth_routes`` (and the confirmation a callback in another
browser asks for in ``engine.web.connect_confirm``), the choice of a discovered candidate in
``engine.web.pending_routes``; ``connections_router`` mounts them all. Every
route acts for the caller's own user only: rows are always selected by the caller's user id.
A scoped API token may connect and disconnect only the integrations it may call.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, post
from litestar.params import FromPath

from engine.errors import (
    BadRequest,
    ConnectionNotFound,
    InternalError,
    InvalidJSONBody,
    ManualAuthNotSupported,
    MultipleConnections,
    StoreError,
)
from engine.invocation.connection_target import (
    checked_connection_name,
    choose_connection,
    choose_instance,
    internal_name,
    validate_params,
)
from engine.invocation.manual_credential import MANUAL_AUTH_TYPES, stored_secret
from engine.invocation.store_credentials import StoreCredentials
from engine.store import Credential, CredentialData
from engine.store.records import utc_now
from engine.surface.json_body import optional_str, read_json_object
from engine.web.connect_confirm import confirm_connection
from engine.web.connection_requests import connections_of, params_of, provider_for
from engine.web.dependencies import PrincipalDep, RuntimeDep
from engine.web.oauth_routes import oauth_callback, start_oauth
from engine.web.pending_routes import choose_pending_connection
from engine.web.post_connect import connected_json, finish_connect


def manual_fields(body: dict[str, Any]) -> dict[str, str]:
    """``credentials``: an object of non-empty strings (empty or absent: none)."""
    fields = body.get("credentials")
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise InvalidJSONBody()
    for key in sorted(fields):
        value = fields[key]
        if not isinstance(value, str):
            raise InvalidJSONBody()
        if not value:
            raise BadRequest(f'credential "{key}" must not be empty')
    return fields


@post("/auth/connect-manual", status_code=200)
async def connect_manual(
    request: Request[Any, Any, Any], principal: PrincipalDep, runtime: RuntimeDep
) -> dict[str, Any]:
    body = await read_json_object(request)
    integration = optional_str(body, "integration")
    fields, credential = manual_fields(body), optional_str(body, "credential")
    if not integration or not (fields or credential):
        raise BadRequest("integration and credential are required")
    provider = provider_for(runtime, principal, integration)
    connection = choose_connection(provider, optional_str(body, "connection"))
    if connection.auth_type not in MANUAL_AUTH_TYPES:
        raise ManualAuthNotSupported(integration)
    secret = stored_secret(connection, credential, fields)
    service = connections_of(runtime)
    user_id = await service.user_id(principal)
    instance = choose_instance(optional_str(body, "instance"))
    params = validate_params(connection, params_of(body))
    data = CredentialData(
        user_id=user_id,
        integration=integration,
        connection=connection.name,
        instance=instance,
        access_token=secret,
        last_refreshed_at=utc_now(),
        metadata=params,
    )
    selection = await finish_connect(runtime, connection, data)
    return selection.as_json() if selection is not None else connected_json(integration)


@delete("/integrations/{name:str}", status_code=200)
async def disconnect(
    name: FromPath[str], request: Request[Any, Any, Any], principal: PrincipalDep, runtime: RuntimeDep
) -> dict[str, str]:
    service = connections_of(runtime)
    user_id = await service.user_id(principal)
    provider_for(runtime, principal, name)
    connection = request.query_params.get("connection", "")
    instance = request.query_params.get("instance", "")
    target = await _one_connection(service, user_id, name, connection, instance)
    try:
        deleted = await service.store.delete_credential(user_id, target.id)
    except StoreError as exc:
        raise InternalError("failed to disconnect integration") from exc
    if not deleted:
        raise ConnectionNotFound(name)
    return {"status": "disconnected"}


async def _one_connection(
    service: StoreCredentials, user_id: str, integration: str, connection: str, instance: str
) -> Credential:
    wanted = checked_connection_name(connection) if connection else None
    try:
        rows = await service.store.list_credentials(user_id, integration, wanted)
    except StoreError as exc:
        raise InternalError("failed to list tokens") from exc
    if not rows:
        raise ConnectionNotFound(integration)
    if instance:
        rows = [r for r in rows if r.instance == instance]
        if not rows:
            raise ConnectionNotFound(integration, instance)
    if len(rows) > 1:
        labels = [f"{internal_name(r.connection)}/{r.instance}" for r in rows]
        raise MultipleConnections(integration, labels, "connection" if instance else "instance")
    return rows[0]


def connections_router() -> Router:
    return Router(
        path="/api/v1",
        route_handlers=[
            connect_manual,
            start_oauth,
            oauth_callback,
            confirm_connection,
            choose_pending_connection,
            disconnect,
        ],
    )
