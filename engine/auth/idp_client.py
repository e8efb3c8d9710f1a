"""Talking to an OpenID provider: discovery, its JWKS, the token endpoint and userinfo.

Every call goes through the engine's outbound client, with its limits and address guard. Discovery
is cached for the life of the process; the JWKS is cached too and fetched again when a token
names a key we have not seen (key rotation).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from engine.egress.client import HttpClient
from engine.egress.context import TOKEN_ENDPOINT, system
from engine.egress.request import OutboundRequest
from engine.errors import GestaltError, UpstreamHTTPError


class IdpError(Exception):
    """The identity provider could not be reached or answered something unusable."""


@dataclass(frozen=True, slots=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    post_secret: bool = False
    """Send the client secret in the form body (``client_secret_post``) rather than Basic auth."""


class IdpClient:
    def __init__(self, issuer_url: str, http: HttpClient) -> None:
        self.issuer_url = issuer_url.rstrip("/")
        self.http = http
        self._discovery: Discovery | None = None
        self._jwks: dict[str, Any] | None = None

    async def discovery(self) -> Discovery:
        if self._discovery is None:
            doc = await self._get_json(self.issuer_url + "/.well-known/openid-configuration")
            found = _parse_discovery(doc)
            if found.issuer.rstrip("/") != self.issuer_url:
                raise IdpError("discovery issuer differs from issuer_url")
            self._discovery = found
        return self._discovery

    async def jwks(self, *, refresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or refresh:
            self._jwks = await self._get_json((await self.discovery()).jwks_uri)
        return self._jwks

    async def exchange_code(self, form: dict[str, str], client_id: str, client_secret: str) -> dict[str, Any]:
        found = await self.discovery()
        headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
        form = {**form, "client_id": client_id}
        if client_secret and found.post_secret:
            form["client_secret"] = client_secret
        elif client_secret:
            pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return await self._request(
            OutboundRequest("POST", found.token_endpoint, headers, urlencode(form).encode(), TOKEN_ENDPOINT)
        )

    async def userinfo(self, access_token: str) -> dict[str, Any]:
        endpoint = (await self.discovery()).userinfo_endpoint
        if not endpoint:
            raise IdpError("no userinfo endpoint")
        return await self._get_json(endpoint, {"Authorization": f"Bearer {access_token}"})

    async def _get_json(self, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        return await self._request(
            OutboundRequest("GET", url, {"Accept": "application/json", **(headers or {})}, context=_OIDC)
        )

    async def _request(self, request: OutboundRequest) -> dict[str, Any]:
        try:
            result = await self.http.send(request)
            doc = json.loads(result.body)
        except UpstreamHTTPError as exc:
            raise IdpError(f"HTTP {exc.status}") from None
        except (GestaltError, ValueError) as exc:
            raise IdpError(type(exc).__name__) from exc
        if result.status != 200 or not isinstance(doc, dict):
            raise IdpError(f"HTTP {result.status}")
        return doc


_OIDC = system("oidc")  # discovery, JWKS, userinfo: before anyone is signed in


def _parse_discovery(doc: dict[str, Any]) -> Discovery:
    fields = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not all(isinstance(doc.get(f), str) and doc[f] for f in fields):
        raise IdpError("discovery document lacks required endpoints")
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return Discovery(
        issuer=doc["issuer"],
        authorization_endpoint=doc["authorization_endpoint"],
        token_endpoint=doc["token_endpoint"],
        jwks_uri=doc["jwks_uri"],
        userinfo_endpoint=doc.get("userinfo_endpoint") or "",
        post_secret="client_secret_basic" not in methods and "client_secret_post" in methods,
    )
