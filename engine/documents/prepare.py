"""``gestaltd init``: fetch every remote document of a config into prepared state.

OpenAPI documents are fetched as they are; GraphQL endpoints are introspected with the same
request (headers, identity credential) the compiler would send at startup.
"""

from __future__ import annotations

from engine.compiler.graphql import INTROSPECTION_BODY, introspection_request_headers
from engine.config.spec import ConfigSpec
from engine.documents.fetch import fetch
from engine.documents.lock import Lock, prepare
from engine.egress.context import system
from engine.egress.policy import EgressPolicy


def prepare_documents(config: ConfigSpec, egress: EgressPolicy | None = None) -> Lock:
    """Write ``.gestalt/documents/*`` and ``gestalt.lock.json``; raises DocumentUnavailable.
    ``egress``: the policy the fetches obey, as at startup."""
    specs = sorted(config.integrations.values(), key=lambda s: s.name, reverse=True)
    graphql = {s.plugin.graphql_url: s.plugin for s in specs if s.plugin.graphql_url}
    owner = {url: s.name for s in specs for url in (s.plugin.openapi, s.plugin.graphql_url) if url}

    def fetcher(url: str, kind: str) -> bytes:
        context = system("documents", owner.get(url, ""))
        if kind == "openapi":
            return fetch(url, egress=egress, context=context)
        headers = introspection_request_headers(graphql[url])
        return fetch(url, INTROSPECTION_BODY, headers, egress=egress, context=context)

    return prepare(config, fetcher)
