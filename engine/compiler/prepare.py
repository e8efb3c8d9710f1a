"""``gestaltd init``: fetch every remote document of a config into prepared state.

OpenAPI documents are fetched as they are; GraphQL endpoints are introspected with the same
request (headers, identity credential) the compiler would send at startup.
"""

from __future__ import annotations

from engine.compiler.connections import canonical_connection, compile_connections, default_connection
from engine.compiler.graphql import INTROSPECTION_BODY, introspection_headers
from engine.compiler.lock import Lock, prepare
from engine.config.spec import ConfigSpec, PluginSpec
from engine.egress.fetch import fetch


def prepare_documents(config: ConfigSpec) -> Lock:
    """Write ``.gestalt/documents/*`` and ``gestalt.lock.json``; raises DocumentUnavailable."""
    graphql = {s.plugin.graphql_url: s.plugin for s in config.integrations.values() if s.plugin.graphql_url}

    def fetcher(url: str, kind: str) -> bytes:
        if kind == "openapi":
            return fetch(url)
        return fetch(url, INTROSPECTION_BODY, _headers(graphql[url]))

    return prepare(config, fetcher)


def _headers(plugin: PluginSpec) -> dict[str, str]:
    connections = compile_connections(plugin)
    name = canonical_connection(plugin.graphql_connection or default_connection(plugin))
    return introspection_headers(plugin, connections.get(name))
