"""The authorization request (OAuth 2.1 §4.1.1 with PKCE S256 only, RFC 8707 ``resource``), checked
in two steps: first who the client is and where it may be sent back (a failure there is shown to
the user: redirecting to an unverified URI would make us an open redirector), then everything
else (a failure there goes back to the client, with its ``state``).

Between the consent page and the user's decision the checked request travels sealed (AES-GCM,
10 minutes) in the form, bound to the session that saw the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.auth.api_tokens import known_scope
from engine.auth.oauth_server.clients import Client, ClientDirectory
from engine.auth.oauth_server.endpoints import Endpoints
from engine.auth.oauth_server.redirects import redirect_matches
from engine.auth.pkce import valid_challenge
from engine.crypto import Cipher, hash_token
from engine.errors import (
    InvalidOAuthRequest,
    InvalidOAuthScope,
    InvalidRedirectUri,
    InvalidSealedToken,
    InvalidTarget,
    UnknownOAuthClient,
    UnsupportedResponseType,
)
from engine.providers.model import Provider

REQUEST_TTL_SECONDS = 600
# Scopes a client may ask for that mean nothing here: refresh tokens are always issued.
IGNORED_SCOPES = frozenset({"offline_access"})


@dataclass(frozen=True, slots=True)
class Destination:
    """A verified client and the redirect URI it asked for: errors may now go back to it."""

    client: Client
    redirect_uri: str
    state: str


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client_id: str
    client_name: str
    redirect_uri: str
    state: str
    code_challenge: str
    scopes: tuple[str, ...]
    """What the client asked for; empty means every integration."""
    resource: str

    def seal(self, cipher: Cipher, session: str) -> str:
        payload = {
            "c": self.client_id, "n": self.client_name, "r": self.redirect_uri, "s": self.state,
            "p": self.code_challenge, "o": list(self.scopes), "t": self.resource, "b": hash_token(session),
        }  # fmt: skip
        return cipher.seal(payload, REQUEST_TTL_SECONDS)


def unseal_request(cipher: Cipher, sealed: str, session: str) -> AuthorizationRequest:
    """The request a consent form carries; refused unless sealed by us, unexpired and for the
    session posting it."""
    try:
        payload: dict[str, Any] = cipher.unseal(sealed)
    except InvalidSealedToken:
        raise InvalidOAuthRequest("the authorization request expired; start again from the client") from None
    if payload.get("b") != hash_token(session):
        raise InvalidOAuthRequest("the authorization request belongs to another session")
    return AuthorizationRequest(
        str(payload["c"]), str(payload["n"]), str(payload["r"]), str(payload["s"]),
        str(payload["p"]), tuple(payload["o"]), str(payload["t"]),
    )  # fmt: skip


async def destination(query: Mapping[str, str], clients: ClientDirectory) -> Destination:
    """The first step: ``UnknownOAuthClient`` / ``InvalidRedirectUri`` are shown, not redirected."""
    client_id = query.get("client_id", "")
    if not client_id:
        raise UnknownOAuthClient("client_id is required")
    client = await clients.find(client_id)
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_uri:
        if len(client.redirect_uris) != 1:
            raise InvalidRedirectUri("redirect_uri is required: the client registered several")
        redirect_uri = client.redirect_uris[0]
    elif not redirect_matches(client.redirect_uris, redirect_uri):
        raise InvalidRedirectUri("redirect_uri is not one the client registered")
    return Destination(client, redirect_uri, query.get("state", ""))


def authorization_request(
    query: Mapping[str, str], to: Destination, endpoints: Endpoints, providers: Mapping[str, Provider]
) -> AuthorizationRequest:
    """The second step; its errors go back to ``to.redirect_uri``."""
    if query.get("response_type") != "code":
        raise UnsupportedResponseType('response_type must be "code"')
    challenge = query.get("code_challenge", "")
    if query.get("code_challenge_method") != "S256" or not valid_challenge(challenge):
        raise InvalidOAuthRequest("PKCE is required: code_challenge with code_challenge_method S256")
    return AuthorizationRequest(
        client_id=to.client.client_id,
        client_name=to.client.name,
        redirect_uri=to.redirect_uri,
        state=to.state,
        code_challenge=challenge,
        scopes=requested_scopes(query.get("scope", ""), providers),
        resource=requested_resource(query.get("resource", ""), endpoints),
    )


def requested_scopes(text: str, providers: Mapping[str, Provider]) -> tuple[str, ...]:
    words = tuple(dict.fromkeys(w for w in text.split() if w not in IGNORED_SCOPES))
    unknown = [w for w in words if not known_scope(w, providers)]
    if unknown:
        hint = "scopes name integrations or integration:operation"
        raise InvalidOAuthScope(f"unknown scope {unknown[0][:100]!r}: {hint}")
    return words


def requested_resource(value: str, endpoints: Endpoints) -> str:
    """The RFC 8707 resource the token is for: this server's /mcp unless the client names its root."""
    if not value:
        return endpoints.mcp_resource
    ours = endpoints.resource(value)
    if ours is None:
        raise InvalidTarget("resource is not this server")
    return ours
