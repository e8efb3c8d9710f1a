"""``auth.provider: oidc``: authorization code flow with PKCE (S256) against any OpenID provider.

The ``state`` sent to the provider is a sealed blob (Cipher, 10 minutes) holding the client's own
state, the PKCE verifier, the nonce and a one-time id consumed with ``store.use_once``, so a state
can neither be forged, replayed nor used after ten minutes, in any replica.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from engine.auth.id_token import IdTokenError, header_kid, select_key, verify
from engine.auth.idp_client import IdpClient, IdpError
from engine.auth.login import Identity, LoginRequest, LoginResult, LoginStart, ProviderConfig
from engine.crypto import Cipher
from engine.egress.client import HttpClient
from engine.errors import InternalError, InvalidSealedToken, LoginFailed, StoreError
from engine.store import Store

STATE_TTL_SECONDS = 600
CALLBACK_PATH = "/api/v1/auth/login/callback"
DEFAULT_SCOPES = ("openid", "email", "profile")
_log = logging.getLogger("gestalt.auth")


class OIDCLogin:
    def __init__(
        self,
        config: ProviderConfig,
        *,
        base_url: str,
        cipher: Cipher,
        store: Store,
        http: HttpClient,
        name: str = "oidc",
        display_name: str = "SSO",
        issuer_url: str = "",
        extra_issuers: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.display_name = config.text("display_name") or display_name
        self.session_ttl: timedelta = config.duration("session_ttl", timedelta(hours=24))
        self.client_id = config.required("client_id")
        self._client_secret = config.text("client_secret")
        self.redirect_url = config.text("redirect_url") or _default_redirect(base_url, config)
        self.scopes = _with_openid(config.strings("scopes", DEFAULT_SCOPES))
        self.allowed_domains = frozenset(d.lower() for d in config.strings("allowed_domains"))
        self.pkce = config.flag("pkce", True)
        issuer = config.text("issuer_url") or issuer_url or config.required("issuer_url")
        self.idp = IdpClient(issuer, http)
        self._extra_issuers = extra_issuers
        self._cipher = cipher
        self._store = store

    async def begin(self, request: LoginRequest) -> LoginStart:
        try:
            found = await self.idp.discovery()
        except IdpError as exc:
            _log.warning("oidc discovery failed", extra={"fields": {"reason": str(exc)}})
            raise InternalError("failed to generate login URL") from exc
        verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)
        sealed = self._cipher.seal(
            {
                "s": request.state,
                "p": request.callback_port or 0,
                "v": verifier if self.pkce else "",
                "n": nonce,
                "j": uuid.uuid4().hex,
            },
            STATE_TTL_SECONDS,
        )
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_url,
            "scope": " ".join(self.scopes),
            "state": sealed,
            "nonce": nonce,
        }
        if self.pkce:
            query |= {"code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256"}
        separator = "&" if "?" in found.authorization_endpoint else "?"
        return LoginStart(url=found.authorization_endpoint + separator + urlencode(query))

    async def complete(self, code: str, state: str) -> LoginResult:
        try:
            blob = await self._consume_state(state)
            identity = await self._identity(code, blob)
        except (IdTokenError, IdpError, InvalidSealedToken, StoreError, KeyError, TypeError) as exc:
            _log.warning(
                "login failed",
                extra={
                    "fields": {"provider": self.name, "error": type(exc).__name__, "reason": _reason(exc)}
                },
            )
            raise LoginFailed() from exc
        port = blob.get("p")
        return LoginResult(identity, str(blob["s"]), port if isinstance(port, int) and port else None)

    async def _consume_state(self, state: str) -> dict[str, Any]:
        blob = self._cipher.unseal(state)
        expires = datetime.now(UTC) + timedelta(seconds=STATE_TTL_SECONDS)
        if not await self._store.use_once(f"login-state:{blob['j']}", expires):
            raise InvalidSealedToken("login state already used")
        return blob

    async def _identity(self, code: str, blob: dict[str, Any]) -> Identity:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_url}
        if blob["v"]:
            form["code_verifier"] = str(blob["v"])
        tokens = await self.idp.exchange_code(form, self.client_id, self._client_secret)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise IdpError("token response has no id_token")
        claims = await self._verified_claims(id_token, str(blob["n"]))
        if "email" not in claims and isinstance(tokens.get("access_token"), str):
            claims = await self._with_userinfo(claims, tokens["access_token"])
        return self._accept(claims)

    async def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        kid = header_kid(id_token)
        key = select_key(await self.idp.jwks(), kid)
        if key is None:
            key = select_key(await self.idp.jwks(refresh=True), kid)  # the provider rotated its keys
        if key is None:
            raise IdTokenError("no matching signing key")
        issuers = {(await self.idp.discovery()).issuer, *self._extra_issuers}
        return verify(id_token, key, issuers=issuers, client_id=self.client_id, nonce=nonce)

    async def _with_userinfo(self, claims: dict[str, Any], access_token: str) -> dict[str, Any]:
        info = await self.idp.userinfo(access_token)
        if info.get("sub") != claims.get("sub"):
            raise IdTokenError("userinfo subject mismatch")
        return {**info, **claims}

    def _accept(self, claims: dict[str, Any]) -> Identity:
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise IdTokenError("no email claim")
        if claims.get("email_verified") not in (True, "true"):
            raise IdTokenError("email not verified")
        if self.allowed_domains and email.rsplit("@", 1)[1].lower() not in self.allowed_domains:
            raise IdTokenError("email domain not allowed")
        name = claims.get("name")
        return Identity(email=email, display_name=name if isinstance(name, str) else "")


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _with_openid(scopes: tuple[str, ...]) -> tuple[str, ...]:
    return scopes if "openid" in scopes else ("openid", *scopes)


def _default_redirect(base_url: str, config: ProviderConfig) -> str:
    if not base_url:
        config.fail("redirect_url", "is required when server.base_url is not set")
    return base_url.rstrip("/") + CALLBACK_PATH


def _reason(exc: Exception) -> str:
    # Our own errors carry fixed, secret-free reasons; anything else is named by type only.
    return str(exc) if isinstance(exc, (IdTokenError, IdpError)) else type(exc).__name__
