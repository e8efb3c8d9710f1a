"""OpenID Connect ID tokens: RS256 signatures checked against the provider's JWKS with
``cryptography`` directly, then the claims OIDC Core §3.1.3.7 requires (iss, aud, azp, exp, nonce).

Only RS256 is accepted: the algorithm is pinned here, never taken from the token, so ``none`` and
HMAC-with-the-public-key confusions cannot happen.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

LEEWAY_SECONDS = 60


class IdTokenError(Exception):
    """Why an ID token was refused (logged by type only; the login fails with ``login failed``)."""


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise IdTokenError("malformed base64url") from exc


def _json_part(text: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(text))
    except ValueError as exc:
        raise IdTokenError("malformed JSON") from exc
    if not isinstance(value, dict):
        raise IdTokenError("not a JSON object")
    return value


def rsa_public_key(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    if jwk.get("kty") != "RSA" or not isinstance(jwk.get("n"), str) or not isinstance(jwk.get("e"), str):
        raise IdTokenError("not an RSA key")
    n = int.from_bytes(b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def header_kid(token: str) -> str:
    """The ``kid`` of a compact JWS, so the caller can refresh its JWKS before verifying."""
    kid = _json_part(token.split(".", 1)[0]).get("kid", "")
    return kid if isinstance(kid, str) else ""


def select_key(jwks: Mapping[str, Any], kid: str) -> rsa.RSAPublicKey | None:
    keys = [k for k in jwks.get("keys", ()) if isinstance(k, dict) and k.get("kty") == "RSA"]
    keys = [k for k in keys if k.get("use", "sig") == "sig" and k.get("alg", "RS256") == "RS256"]
    if kid:
        keys = [k for k in keys if k.get("kid") == kid]
    elif len(keys) != 1:
        return None  # no kid and several candidates: refuse rather than guess
    return rsa_public_key(keys[0]) if keys else None


def verify_signature(token: str, key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The claims of an RS256 compact JWS whose signature ``key`` verifies."""
    parts = token.split(".")
    if len(parts) != 3:
        raise IdTokenError("not a compact JWS")
    if _json_part(parts[0]).get("alg") != "RS256":
        raise IdTokenError("unexpected algorithm")
    try:
        key.verify(
            b64url_decode(parts[2]),
            f"{parts[0]}.{parts[1]}".encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature as exc:
        raise IdTokenError("bad signature") from exc
    return _json_part(parts[1])


def check_claims(
    claims: Mapping[str, Any], *, issuer: str, client_id: str, nonce: str, now: float | None = None
) -> None:
    moment = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise IdTokenError("issuer mismatch")
    audience = claims.get("aud")
    audiences: Sequence[Any] = [audience] if isinstance(audience, str) else audience or []
    if client_id not in audiences:
        raise IdTokenError("audience mismatch")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise IdTokenError("authorized party mismatch")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or moment > exp + LEEWAY_SECONDS:
        raise IdTokenError("expired")
    if not nonce or claims.get("nonce") != nonce:
        raise IdTokenError("nonce mismatch")
