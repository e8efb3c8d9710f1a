"""``auth.provider: oidc``: authorization code flow with PKCE (S256) against any OpenID provider.

The ``state`` sent to the provider is the client's own (``cli:<port>:<state>`` for a CLI), so the
client's callback page can check it; the nonce, the PKCE verifier and the redirect URI are bound
to it server-side (``login_binding``: in the datastore, hashed key, encrypted, 10 minutes, taken
once in any replica), so a state can neither be forged into a login, replayed nor used late.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from engine.auth.id_token import IdTokenError, header_kid, select_key, verify
from engine.auth.idp_client import IdpClient, IdpError
from engine.auth.login import Identity, LoginRequest, LoginResult, LoginStart, ProviderConfig
from engine.auth.login_binding import LoginBinding, bind, state_keys, take
from engine.auth.pkce import pkce_challenge
from engine.egress.client import HttpClient
from engine.errors import InternalError, LoginFailed, StoreError
from engine.store import Store

STATE_TTL = timedelta(minutes=10)
_PURPOSE = "login-state"
CALLBACK_PATH = "/api/v1/auth/login/callback"
DEFAULT_SCOPES = ("openid", "email", "profile")
_log = logging.getLogger("gestalt.auth")


class OIDCLogin:
    def __init__(
        self,
        config: ProviderConfig,
        *,
        base_url: str,
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
        self._store = store

    async def begin(self, request: LoginRequest) -> LoginStart:
        try:
            found = await self.idp.discovery()
        except IdpError as exc:
            _log.warning("oidc discovery failed", extra={"fields": {"reason": str(exc)}})
            raise InternalError("failed to generate login URL") from exc
        verifier, nonce = (secrets.token_urlsafe(48) if self.pkce else ""), secrets.token_urlsafe(24)
        flow = {"v": verifier, "n": nonce, "r": self.redirect_url}
        binding = LoginBinding(request.state, request.callback_port, flow, request.return_to)
        await bind(self._store, _PURPOSE, request.state, binding, STATE_TTL)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_url,
            "scope": " ".join(self.scopes),
            "state": binding.sent_state,
            "nonce": nonce,
        }
        if verifier:
            query |= {"code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256"}
        separator = "&" if "?" in found.authorization_endpoint else "?"
        return LoginStart(url=found.authorization_endpoint + separator + urlencode(query))

    async def complete(self, code: str, state: str) -> LoginResult:
        try:
            binding = await self._take_binding(state)
            identity = await self._identity(code, binding.secrets)
        except (IdTokenError, IdpError, StoreError, KeyError, TypeError) as exc:
            _log.warning(
                "login failed",
                extra={
                    "fields": {"provider": self.name, "error": type(exc).__name__, "reason": _reason(exc)}
                },
            )
            raise LoginFailed() from exc
        return LoginResult(identity, binding.client_state, binding.callback_port, binding.return_to)

    async def _take_binding(self, state: str) -> LoginBinding:
        for key in state_keys(state):
            binding = await take(self._store, _PURPOSE, key)
            if binding is not None and binding.matches(state):
                return binding
        raise IdpError("unknown, used or expired login state")

    async def _identity(self, code: str, flow: Mapping[str, str]) -> Identity:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": flow["r"]}
        if flow["v"]:
            form["code_verifier"] = flow["v"]
        tokens = await self.idp.exchange_code(form, self.client_id, self._client_secret)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise IdpError("token response has no id_token")
        claims = await self._verified_claims(id_token, flow["n"])
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


def _with_openid(scopes: tuple[str, ...]) -> tuple[str, ...]:
    return scopes if "openid" in scopes else ("openid", *scopes)


def _default_redirect(base_url: str, config: ProviderConfig) -> str:
    if not base_url:
        config.fail("redirect_url", "is required when server.base_url is not set")
    return base_url.rstrip("/") + CALLBACK_PATH


def _reason(exc: Exception) -> str:
    # Our own errors carry fixed, secret-free reasons; anything else is named by type only.
    return str(exc) if isinstance(exc, (IdTokenError, IdpError)) else type(exc).__name__
