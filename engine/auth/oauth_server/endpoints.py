"""Where gestaltd's authorization server and protected resources live, and the metadata documents
that say so: RFC 9728 (protected resource) and RFC 8414 (authorization server).

The issuer is the server's public base URL (``server.base_url``, else the origin a request came
to). Two resources are protected: the server itself (the API, ``<base>``) and its MCP endpoint
(``<base>/mcp``); a token issued for either is a token of this server and is honoured on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MCP_RESOURCE_PATH = "/mcp"
AUTHORIZE_PATH = "/oauth/authorize"
LOGIN_PATH = "/oauth/login"
TOKEN_PATH = "/oauth/token"
REGISTER_PATH = "/oauth/register"
REVOKE_PATH = "/oauth/revoke"
RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"
SERVER_METADATA_PATH = "/.well-known/oauth-authorization-server"
CLIENT_AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")


@dataclass(frozen=True, slots=True)
class Endpoints:
    base: str
    """``scheme://host[:port]``, no trailing slash."""

    @property
    def issuer(self) -> str:
        return self.base

    @property
    def mcp_resource(self) -> str:
        return self.base + MCP_RESOURCE_PATH

    def url(self, path: str) -> str:
        return self.base + path

    def resource_metadata_url(self, resource_path: str = "") -> str:
        """RFC 9728 §3.1: the well-known name goes between the host and the resource's path."""
        return self.base + RESOURCE_METADATA_PATH + resource_path

    def resource(self, requested: str) -> str | None:
        """``requested`` as one of this server's resource identifiers, or None when it is not one
        (RFC 8707: scheme and host compared case-insensitively, a trailing slash ignored)."""
        canonical = canonical_resource(requested)
        ours = {canonical_resource(uri): uri for uri in (self.base, self.mcp_resource)}
        return ours.get(canonical) if canonical else None


def canonical_resource(uri: str) -> str:
    """ "" for anything that is not an absolute URI without a fragment (RFC 8707 §2)."""
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc or parts.fragment or "#" in uri:
        return ""
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def resource_metadata(endpoints: Endpoints, resource: str) -> dict[str, Any]:
    return {
        "resource": resource,
        "authorization_servers": [endpoints.issuer],
        "bearer_methods_supported": ["header"],
        "resource_name": "gestalt",
    }


def server_metadata(endpoints: Endpoints) -> dict[str, Any]:
    # No scopes_supported: a client that asks for no scope gets every integration (narrowed on the
    # consent page); listing them would make SDK clients request each one by name.
    return {
        "issuer": endpoints.issuer,
        "authorization_endpoint": endpoints.url(AUTHORIZE_PATH),
        "token_endpoint": endpoints.url(TOKEN_PATH),
        "registration_endpoint": endpoints.url(REGISTER_PATH),
        "revocation_endpoint": endpoints.url(REVOKE_PATH),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "client_id_metadata_document_supported": True,
        "authorization_response_iss_parameter_supported": True,
    }
