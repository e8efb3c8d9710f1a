"""``gestaltd init``: fetch every remote document of a config into prepared state.

OpenAPI documents are fetched as they are; GraphQL endpoints are introspected with the same
request (headers, identity credential) the compiler would send at startup.
"""

from __future__ import annotations

from engine.compiler.graphql import INTROSPECTION_BODY, introspection_request_headers
from engine.config.spec import ConfigSpec
from engine.documents.fetch import fetch
from engine.documents.lock import Lock, prepare


def prepare_documents(config: ConfigSpec) -> Lock:
    """Write ``.gestalt/documents/*`` and ``gestalt.lock.json``; raises DocumentUnavailable."""
    graphql = {s.plugin.graphql_url: s.plugin for s in config.integrations.values() if s.plugin.graphql_url}

    def fetcher(url: str, kind: str) -> bytes:
        if kind == "openapi":
            return fetch(url)
        return fetch(url, INTROSPECTION_BODY, introspection_request_headers(graphql[url]))

    return prepare(config, fetcher)
