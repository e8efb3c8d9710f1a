"""What the connection routes share: the store-backed connection service, the target
integration (404, then the caller's token scopes) and the ``connection_params`` of a request body."""

from __future__ import annotations

from typing import Any

from engine.auth.principal import Principal
from engine.errors import IntegrationNotFound, InternalError, InvalidJSONBody, ScopeDenied
from engine.invocation.store_credentials import StoreCredentials
from engine.providers.model import Provider
from engine.surface.runtime import Runtime


def connections_of(runtime: Runtime) -> StoreCredentials:
    source = runtime.broker.credentials
    if not isinstance(source, StoreCredentials):
        raise InternalError("datastore is not configured")
    return source


def provider_for(runtime: Runtime, principal: Principal, integration: str) -> Provider:
    provider = runtime.providers.get(integration)
    if provider is None:
        raise IntegrationNotFound(integration)
    if not principal.may_use(integration):
        raise ScopeDenied(integration)
    return provider


def params_of(body: dict[str, Any]) -> dict[str, Any]:
    params = body.get("connection_params")
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise InvalidJSONBody()
    return params
