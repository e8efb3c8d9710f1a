"""A real OpenID provider on 127.0.0.1 for login tests: discovery, JWKS, authorize, token.

``/authorize`` logs in whoever ``login_as`` named and redirects back with a one-time code;
``/token`` checks the client credentials, the redirect URI and the PKCE verifier, then answers
an RS256 ID token signed with a key made by ``cryptography``. ``claim_overrides`` lets a test
forge a bad token (wrong audience, expired, another nonce).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.support.http_server import QuietHandler, start_server

CLIENT_ID = "gestalt-test-client"
CLIENT_SECRET = "idp-client-secret-PLAINTEXT"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


@dataclass
class Grant:
    redirect_uri: str
    challenge: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class OpenIDProvider:
    url: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    kid: str = "key-1"
    user: dict[str, Any] = field(default_factory=dict)
    claim_overrides: dict[str, Any] = field(default_factory=dict)
    forge_key: rsa.RSAPrivateKey | None = None
    """When set, ID tokens are signed with this key instead of the published one."""
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)

    def login_as(self, email: str, *, verified: bool | str = True, name: str = "") -> None:
        self.user = {
            "sub": hashlib.sha256(email.encode()).hexdigest()[:16],
            "email": email,
            "email_verified": verified,
            "name": name or email.split("@")[0],
        }

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "userinfo_endpoint": self.url + "/userinfo",
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": self.kid,
                    "use": "sig",
                    "alg": "RS256",
                    "n": _uint(numbers.n),
                    "e": _uint(numbers.e),
                }
            ]
        }

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        header = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": self.kid}).encode())
        payload = b64url(json.dumps(claims).encode())
        signature = (key or self.key).sign(
            f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{header}.{payload}.{b64url(signature)}"

    def authorize(self, query: dict[str, str]) -> str:
        """The redirect Location for an authorization request."""
        self.authorize_requests.append(query)
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query.get("code_challenge_method", "S256") == "S256"
        code = secrets.token_urlsafe(16)
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": query["nonce"],
            **self.user,
            **self.claim_overrides,
        }
        challenge = query.get("code_challenge", "")  # none: a client that does not use PKCE
        self.grants[code] = Grant(query["redirect_uri"], challenge, query["nonce"], claims)
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        expected_challenge = b64url(hashlib.sha256(verifier.encode()).digest()) if verifier else ""
        if expected_challenge != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, {
            "access_token": "idp-access-" + secrets.token_hex(8),
            "token_type": "Bearer",
            "id_token": self.sign(grant.claims, self.forge_key),
        }


def start_openid_provider() -> tuple[OpenIDProvider, Callable[[], None]]:
    idp = OpenIDProvider()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, idp.discovery())
            elif parts.path == "/jwks":
                self._json(200, idp.jwks())
            elif parts.path == "/authorize":
                self._json(302, {}, {"Location": idp.authorize(dict(parse_qsl(parts.query)))})
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            status, doc = idp.token(form, self.headers.get("Authorization", ""))
            self._json(status, doc)

    idp.url, stop = start_server(Handler)
    return idp, stop
