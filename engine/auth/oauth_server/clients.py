"""The clients of gestaltd's authorization server: registered ones (RFC 7591, in the store) and
those whose ``client_id`` is the HTTPS URL of their metadata document (``client_documents``).

Registration is open, as MCP hosts expect ("add a server by URL"): a client learns nothing by
registering, and every authorization still goes through the user's login and consent. A
confidential client gets a random secret, kept only as its SHA-256.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine.auth.oauth_server.endpoints import CLIENT_AUTH_METHODS
from engine.auth.oauth_server.redirects import redirect_problem
from engine.crypto import hash_token
from engine.errors import InvalidClientMetadata, InvalidClientRedirectUri, UnknownOAuthClient
from engine.store import OAuthClient, Store
from engine.store.records import utc_now

CLIENT_ID_PREFIX = "gst_client_"
MAX_REDIRECT_URIS = 10
MAX_NAME = 200
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
# Client metadata echoed back as registered when it is a short string (RFC 7591 §2).
_TEXT_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id", "software_version")


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    auth_method: str = "none"
    secret_hash: str = ""
    document: bool = False
    """Identified by its Client ID Metadata Document rather than registered here."""

    @property
    def confidential(self) -> bool:
        return self.auth_method != "none"

    def secret_matches(self, presented: str) -> bool:
        return bool(self.secret_hash) and hmac.compare_digest(hash_token(presented), self.secret_hash)


class ClientDocumentSource(Protocol):
    async def client(self, url: str) -> Client: ...


@dataclass(frozen=True, slots=True)
class Registration:
    client: OAuthClient
    response: dict[str, Any]


def register(body: Mapping[str, Any]) -> Registration:
    """A new client from RFC 7591 metadata; ``InvalidClientMetadata`` / ``InvalidClientRedirectUri``
    name what is wrong."""
    redirect_uris = checked_redirect_uris(body.get("redirect_uris"))
    method = body.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in CLIENT_AUTH_METHODS:
        methods = ", ".join(CLIENT_AUTH_METHODS)
        raise InvalidClientMetadata(f"token_endpoint_auth_method must be one of {methods}")
    grant_types = _grant_types(body.get("grant_types", ["authorization_code"]))
    if body.get("response_types", ["code"]) != ["code"]:
        raise InvalidClientMetadata('response_types must be ["code"]')
    name = body.get("client_name", "")
    if not isinstance(name, str) or len(name) > MAX_NAME:
        raise InvalidClientMetadata(f"client_name must be a string of at most {MAX_NAME} characters")
    client_id = CLIENT_ID_PREFIX + secrets.token_urlsafe(24)
    secret = secrets.token_urlsafe(32) if method != "none" else ""
    metadata: dict[str, Any] = {
        "redirect_uris": redirect_uris,
        "token_endpoint_auth_method": method,
        "grant_types": grant_types,
        "response_types": ["code"],
        "client_name": name,
        **{k: body[k] for k in _TEXT_FIELDS if isinstance(body.get(k), str) and len(body[k]) <= 2000},
    }
    now = utc_now()
    record = OAuthClient(
        client_id=client_id,
        client_name=name,
        secret_hash=hash_token(secret) if secret else "",
        metadata=metadata,
        created_at=now,
    )
    response = {"client_id": client_id, "client_id_issued_at": int(now.timestamp()), **metadata}
    if secret:
        response |= {"client_secret": secret, "client_secret_expires_at": 0}
    return Registration(record, response)


def checked_redirect_uris(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > MAX_REDIRECT_URIS:
        raise InvalidClientRedirectUri(f"redirect_uris must be a list of 1 to {MAX_REDIRECT_URIS} URIs")
    for uri in value:
        problem = redirect_problem(uri)
        if problem:
            raise InvalidClientRedirectUri(f"redirect_uris: {str(uri)[:200]!r} {problem}")
    return list(dict.fromkeys(value))


def _grant_types(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
        raise InvalidClientMetadata("grant_types must be a list of strings")
    unknown = sorted(set(value) - GRANT_TYPES)
    if unknown or "authorization_code" not in value:
        problem = 'grant_types must include "authorization_code" and may add "refresh_token"'
        raise InvalidClientMetadata(problem)
    return list(dict.fromkeys(value))


def stored_client(record: OAuthClient) -> Client:
    uris: Sequence[str] = record.metadata.get("redirect_uris", ())
    return Client(
        client_id=record.client_id,
        name=record.client_name,
        redirect_uris=tuple(uris),
        auth_method=str(record.metadata.get("token_endpoint_auth_method", "none")),
        secret_hash=record.secret_hash,
    )


class ClientDirectory:
    """Finds the client a ``client_id`` names: a metadata document URL, or a registration."""

    def __init__(self, store: Store, documents: ClientDocumentSource) -> None:
        self.store = store
        self.documents = documents

    async def find(self, client_id: str) -> Client:
        if client_id.startswith("https://"):
            return await self.documents.client(client_id)
        if not client_id.startswith(CLIENT_ID_PREFIX) or len(client_id) > 100:
            raise UnknownOAuthClient("unknown client_id")
        record = await self.store.get_oauth_client(client_id)
        if record is None:
            raise UnknownOAuthClient("unknown client_id")
        return stored_client(record)
