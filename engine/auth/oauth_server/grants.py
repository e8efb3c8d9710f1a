"""Authorization codes and the grants they become.

A code is a one-time value in the store (any replica redeems it, once, within two minutes) that
remembers the request it answers. Redeeming it mints an ordinary API token scoped as consented,
named after the client, with a refresh token; both are random and stored only as SHA-256.
Access tokens live an hour; a refresh rotates both and restarts the refresh token's lifetime
(``server.api_token_ttl``). A refresh token presented after it was rotated away revokes the
grant: someone holds a copy they should not (OAuth 2.1 §4.3.1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from engine.auth.oauth_server.authorization import IGNORED_SCOPES, AuthorizationRequest
from engine.auth.oauth_server.clients import Client
from engine.auth.pkce import verifier_matches
from engine.crypto import API_TOKEN_PREFIX, hash_token, new_token
from engine.errors import InvalidGrant, InvalidOAuthScope, InvalidTarget
from engine.store import ApiToken, OAuthGrant, Store
from engine.store.records import utc_now

CODE_TTL = timedelta(minutes=2)
ACCESS_TTL = timedelta(hours=1)
REFRESH_TOKEN_PREFIX = "gst_rt_"
_CODE_PURPOSE = "oauth-code:"


@dataclass(frozen=True, slots=True)
class Issued:
    record: ApiToken
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)

    def response(self) -> dict[str, Any]:
        """The token endpoint's answer (RFC 6749 §5.1)."""
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "refresh_token": self.refresh_token,
            "scope": " ".join(self.record.scopes),
        }


async def issue_code(
    store: Store, request: AuthorizationRequest, user_id: str, scopes: tuple[str, ...], mcp_tools: str = ""
) -> str:
    """``mcp_tools``: how /mcp is to offer tools to the token (the consent page's choice)."""
    code = new_token("gst_code_")
    value = {
        "c": request.client_id, "n": request.client_name, "r": request.redirect_uri,
        "p": request.code_challenge, "t": request.resource, "u": user_id, "o": list(scopes),
        "m": mcp_tools,
    }  # fmt: skip
    await store.put_one_time(_CODE_PURPOSE + hash_token(code), json.dumps(value), utc_now() + CODE_TTL)
    return code


@dataclass(frozen=True, slots=True)
class CodeRedemption:
    code: str = field(repr=False)
    redirect_uri: str
    verifier: str = field(repr=False)
    resource: str
    """Already checked to be one of ours, or "" when the request named none."""


async def redeem_code(
    store: Store, client: Client, redemption: CodeRedemption, refresh_ttl: timedelta
) -> Issued:
    raw = await store.take_one_time(_CODE_PURPOSE + hash_token(redemption.code))
    if raw is None:
        raise InvalidGrant("the authorization code is invalid, expired or already used")
    code = json.loads(raw)
    if code["c"] != client.client_id or code["r"] != redemption.redirect_uri:
        raise InvalidGrant("the authorization code was issued to another client or redirect_uri")
    if not verifier_matches(redemption.verifier, code["p"]):
        raise InvalidGrant("code_verifier does not match the code_challenge")
    if redemption.resource and redemption.resource != code["t"]:
        raise InvalidTarget("resource differs from the one authorized")
    return await _mint(store, client, code, refresh_ttl)


async def _mint(store: Store, client: Client, code: dict[str, Any], refresh_ttl: timedelta) -> Issued:
    access, refresh = new_token(API_TOKEN_PREFIX), new_token(REFRESH_TOKEN_PREFIX)
    now = utc_now()
    grant = OAuthGrant(
        client_id=client.client_id,
        client_name=client.name,
        resource=code["t"],
        refresh_hash=hash_token(refresh),
        refresh_expires_at=now + refresh_ttl,
    )
    name = client.name or "OAuth client"
    record = await store.create_api_token(
        code["u"], name, hash_token(access), tuple(code["o"]), now + ACCESS_TTL, grant, code.get("m", "")
    )
    return Issued(record, access, refresh)


async def refresh_grant(
    store: Store, client: Client, refresh_token: str, scope: str, refresh_ttl: timedelta
) -> tuple[Issued | None, str]:
    """The rotated grant, or (None, owner's user id) when ``refresh_token`` was a replay that just
    revoked its grant ("" when nothing matched)."""
    presented = hash_token(refresh_token)
    record = await store.get_api_token_by_refresh_hash(presented)
    if record is None:
        return None, await store.revoke_replayed_grant(presented)
    if record.client_id != client.client_id:
        raise InvalidGrant("the refresh token was issued to another client")
    asked = set(scope.split()) - IGNORED_SCOPES
    if record.scopes and not asked <= set(record.scopes):
        raise InvalidOAuthScope("a refresh cannot widen the granted scopes")
    access, refresh = new_token(API_TOKEN_PREFIX), new_token(REFRESH_TOKEN_PREFIX)
    now = utc_now()
    rotated = await store.rotate_grant(
        record.id,
        presented,
        token_hash=hash_token(access),
        expires_at=now + ACCESS_TTL,
        new_refresh_hash=hash_token(refresh),
        refresh_expires_at=now + refresh_ttl,
    )
    if not rotated:
        raise InvalidGrant("the refresh token was used concurrently")
    return Issued(record, access, refresh), ""


async def revoke_token(store: Store, client: Client, token: str) -> str:
    """RFC 7009: the grant behind an access or refresh token of this client, deleted; the owner's
    user id ("" when the token is unknown or another client's: answered alike, §2.2)."""
    hashed = hash_token(token)
    record = await store.get_api_token_by_hash(hashed) or await store.get_api_token_by_refresh_hash(hashed)
    if record is None or record.client_id != client.client_id:
        return ""
    await store.delete_api_token(record.user_id, record.id)
    return record.user_id
