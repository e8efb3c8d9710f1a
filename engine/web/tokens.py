"""API token routes (reference http-api §8): create, list, revoke one, revoke all.

Every route resolves the caller's user first. A scoped API token can manage the user's tokens but
cannot mint one wider than itself (403).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Router, delete, get, post
from litestar.params import FromPath

from engine.auth.api_tokens import MCP_TOOL_MODES, check_within, expiry, mint, parse_scopes, token_ttl
from engine.auth.principal import Principal
from engine.errors import BadRequest, InternalError, NotAuthenticated, StoreError, TokenNotFound
from engine.store import ApiToken, Store
from engine.surface.json_body import optional_str, read_json_object
from engine.surface.runtime import Runtime
from engine.web.dependencies import PrincipalDep, RuntimeDep


def store_of(runtime: Runtime) -> Store:
    if runtime.store is None:
        raise InternalError("datastore is not configured")
    return runtime.store


async def resolve_user_id(store: Store, principal: Principal) -> str:
    """The caller's user id; principals without one (``none`` mode) are found or created by email."""
    if principal.user_id:
        return principal.user_id
    if not principal.email:
        raise NotAuthenticated()
    try:
        return (await store.find_or_create_user(principal.email)).id
    except StoreError as exc:
        raise InternalError("failed to resolve user") from exc


def token_expiry(runtime: Runtime) -> datetime:
    return expiry(token_ttl(runtime.config.server.api_token_ttl))


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def created_json(record: ApiToken, plaintext: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": record.id, "name": record.name, "token": plaintext}
    if record.expires_at is not None:
        out["expires_at"] = rfc3339(record.expires_at)
    return out


def listed_json(record: ApiToken) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "scopes": " ".join(record.scopes),
        "created_at": rfc3339(record.created_at),
    }
    if record.expires_at is not None:
        out["expires_at"] = rfc3339(record.expires_at)
    if record.mcp_tools:
        out["mcp_tools"] = record.mcp_tools
    if record.client_id:
        out["oauth_client"] = oauth_client_json(record)
    return out


def oauth_client_json(record: ApiToken) -> dict[str, str]:
    """A token the authorization server issued: its client, the resource it is for and when its
    grant ends unless refreshed (``expires_at`` is the current access token's)."""
    out = {"id": record.client_id, "name": record.client_name, "resource": record.resource}
    if record.refresh_expires_at is not None:
        out["refresh_expires_at"] = rfc3339(record.refresh_expires_at)
    return out


@post("/tokens", status_code=201)
async def create_token(
    request: Request[Any, Any, Any], principal: PrincipalDep, runtime: RuntimeDep
) -> dict[str, Any]:
    store = store_of(runtime)
    user_id = await resolve_user_id(store, principal)
    body = await read_json_object(request)
    name = optional_str(body, "name")
    if not name:
        raise BadRequest("name is required")
    scopes = parse_scopes(_scope_names(body), runtime.providers)
    check_within(principal, scopes)
    mcp_tools = optional_str(body, "mcp_tools")
    if mcp_tools not in ("", *MCP_TOOL_MODES):
        raise BadRequest('mcp_tools must be "all" or "search"')
    try:
        minted = await mint(store, user_id, name, scopes, token_expiry(runtime), mcp_tools)
    except StoreError as exc:
        raise InternalError("failed to generate token") from exc
    return created_json(minted.record, minted.plaintext)


def _scope_names(body: dict[str, Any]) -> str | list[str]:
    """``scopes`` as README shows it (a list) or as the reference takes it (a space-separated string)."""
    value = body.get("scopes")
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise BadRequest("scopes must be a string or a list of strings")


@get("/tokens")
async def list_tokens(principal: PrincipalDep, runtime: RuntimeDep) -> list[dict[str, Any]]:
    store = store_of(runtime)
    user_id = await resolve_user_id(store, principal)
    try:
        records = await store.list_api_tokens(user_id)
    except StoreError as exc:
        raise InternalError("failed to list tokens") from exc
    return [listed_json(r) for r in records]


@delete("/tokens/{token_id:str}", status_code=200)
async def revoke_token(
    token_id: FromPath[str], principal: PrincipalDep, runtime: RuntimeDep
) -> dict[str, str]:
    store = store_of(runtime)
    user_id = await resolve_user_id(store, principal)
    try:
        deleted = await store.delete_api_token(user_id, token_id)
    except StoreError as exc:
        raise InternalError("failed to revoke token") from exc
    forget_user(runtime, user_id)
    if not deleted:
        raise TokenNotFound()
    return {"status": "revoked"}


@delete("/tokens", status_code=200)
async def revoke_all_tokens(principal: PrincipalDep, runtime: RuntimeDep) -> dict[str, Any]:
    store = store_of(runtime)
    user_id = await resolve_user_id(store, principal)
    try:
        count = await store.delete_all_api_tokens(user_id)
    except StoreError as exc:
        raise InternalError("failed to revoke tokens") from exc
    forget_user(runtime, user_id)
    return {"count": count, "status": "revoked"}


def forget_user(runtime: Runtime, user_id: str) -> None:
    """Revocation takes effect at once in this process: drop the authenticator's recent lookups."""
    forget = getattr(runtime.authenticator, "forget", None)
    if forget is not None:
        forget(user_id=user_id)


def tokens_router() -> Router:
    return Router(path="/api/v1", route_handlers=[create_token, list_tokens, revoke_token, revoke_all_tokens])
