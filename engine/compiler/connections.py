"""Connection specs → compiled Connections (mode, auth, credential injector).

The implicit ``plugin`` connection is ``plugin.auth`` + ``plugin.params`` + ``plugin.discovery``;
with no auth (or ``type: none``) it needs no credential, so its mode is ``none``; otherwise ``user``.

An ``oauth2`` connection's client id and secret are ``plugin.config.client_id/client_secret`` when
set (the override the reference honours), else its auth block's: ``oauth_client_credentials`` is
that rule, for the startup warning (``missing_oauth_clients``) and for ``engine.auth.oauth_clients``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.compiler.injector import compile_injector
from engine.compiler.model import Connection
from engine.config.spec import (
    PLUGIN_CONNECTION,
    ConnectionAuthSpec,
    ConnectionSpec,
    IntegrationSpec,
    Origin,
    PluginSpec,
)
from engine.config.yaml_tree import escape

# Internal alias used by the reference for the implicit connection; accepted wherever a name is.
PLUGIN_ALIASES = frozenset({PLUGIN_CONNECTION, "_plugin"})


def canonical_connection(name: str) -> str:
    return PLUGIN_CONNECTION if name in PLUGIN_ALIASES else name


def compile_connections(plugin: PluginSpec) -> dict[str, Connection]:
    auth = plugin.auth or ConnectionAuthSpec()
    conns = {
        PLUGIN_CONNECTION: Connection(
            name=PLUGIN_CONNECTION,
            mode="none" if auth.type == "none" else "user",
            auth=auth,
            params=plugin.params,
            injector=compile_injector(auth),
            discovery=plugin.discovery,
        )
    }
    for name, spec in plugin.connections.items():
        if name in PLUGIN_ALIASES:
            continue
        conns[name] = _compile_named(spec)
    return conns


def _compile_named(spec: ConnectionSpec) -> Connection:
    return Connection(
        name=spec.name,
        mode=spec.mode,
        auth=spec.auth,
        params=spec.params,
        injector=compile_injector(spec.auth),
        identity=spec.identity,
        discovery=spec.discovery,
    )


def default_connection(plugin: PluginSpec) -> str:
    """The connection used by operations, connect flows and listings when none is named."""
    if plugin.default_connection:
        return canonical_connection(plugin.default_connection)
    named = [n for n in plugin.connections if n not in PLUGIN_ALIASES]
    if plugin.auth is None and len(named) == 1:
        return named[0]
    return PLUGIN_CONNECTION


def is_oauth2_client(auth: ConnectionAuthSpec) -> bool:
    """Whether the auth block describes an authorization-code client: ``oauth2`` with both endpoints.

    An ``oauth2`` block without them (an OpenAPI implicit flow has no token URL) offers no OAuth,
    and a configured one is reported by the config rules already."""
    return auth.type == "oauth2" and bool(auth.authorization_url) and bool(auth.token_url)


def oauth_client_credentials(config: Mapping[str, Any], auth: ConnectionAuthSpec) -> tuple[str, str]:
    """(client_id, client_secret): ``plugin.config``'s (``config``) when set, else the auth block's."""
    client_id = config.get("client_id") or auth.client_id
    secret = config.get("client_secret") or auth.client_secret
    return str(client_id or ""), str(secret or "")


def missing_oauth_clients(spec: IntegrationSpec) -> Iterator[tuple[Origin | None, str]]:
    """The ``oauth2`` auth blocks the YAML declared whose client id ended up empty (``${VAR}`` unset):
    such a connection offers no OAuth. Not a config error (the reference validates such configs, and
    the catalogue's ship with ``${APP_CLIENT_ID}``), so ``serve`` warns about each at startup.

    Only the blocks written in the config count: an ``oauth2`` auth taken from an OpenAPI security
    scheme carries no client id by nature, and ``mcp_oauth`` registers its client dynamically. A
    client secret is not required: a public client (PKCE, no secret) is legitimate in OAuth 2.1.
    Yields (origin of the auth block, message)."""
    plugin = spec.plugin
    blocks: list[tuple[str, ConnectionAuthSpec | None, Origin | None]] = [
        (PLUGIN_CONNECTION, plugin.auth, _at(spec.origin, "/plugin/auth"))
    ]
    for name, connection in plugin.connections.items():
        if name not in PLUGIN_ALIASES:
            fallback = _at(spec.origin, f"/plugin/connections/{escape(name)}/auth")
            blocks.append((name, connection.auth, _at(connection.origin, "/auth") or fallback))
    for name, auth, origin in blocks:
        if auth is None or not is_oauth2_client(auth) or oauth_client_credentials(plugin.config, auth)[0]:
            continue
        message = (
            f'integration "{spec.name}": connection "{name}": oauth2 auth requires client_id '
            "(set auth.client_id or plugin.config.client_id; an unset ${VAR} leaves it empty)"
        )
        yield origin, message


def _at(origin: Origin | None, relative: str) -> Origin | None:
    """``origin``'s file and position with the pointer of a node below it."""
    if origin is None:
        return None
    return Origin(origin.file, origin.pointer + relative, origin.line, origin.col)
