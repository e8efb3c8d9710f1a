"""Connection specs → compiled Connections (mode, auth, credential injector).

The implicit ``plugin`` connection is ``plugin.auth`` + ``plugin.params`` + ``plugin.discovery``;
with no auth (or ``type: none``) it needs no credential, so its mode is ``none``; otherwise ``user``.
"""

from __future__ import annotations

from engine.compiler.model import Connection
from engine.config.spec import PLUGIN_CONNECTION, ConnectionAuthSpec, ConnectionSpec, PluginSpec
from engine.egress.auth import compile_injector

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
