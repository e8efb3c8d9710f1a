"""OpenID Connect ID tokens, verified by PyJWT: the RS256 signature against a key of the provider's
JWKS, then the claims OIDC Core §3.1.3.7 requires (iss, aud, azp, exp, nonce), with a minute of
clock skew either way.

Only RS256 is accepted: PyJWT is told the algorithm, never takes it from the token, so ``none`` and
HMAC-with-the-public-key confusions cannot happen. PyJWT also refuses an ``nbf`` or ``iat`` in the
future. Its exceptions become ``IdTokenError`` here, once, each with a fixed reason for the log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import jwt

LEEWAY_SECONDS = 60
ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["iss", "aud", "exp"]

# Most specific first: InvalidSignatureError is a DecodeError, and so on.
_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not yet valid"),
    (jwt.InvalidAudienceError, "audience mismatch"),
    (jwt.InvalidIssuerError, "issuer mismatch"),
    (jwt.MissingRequiredClaimError, "missing required claim"),
    (jwt.InvalidAlgorithmError, "unexpected algorithm"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidKeyError, "unusable key"),
    (jwt.DecodeError, "malformed token"),
)


class IdTokenError(Exception):
    """Why an ID token was refused (logged by type and reason only; the login fails with
    ``login failed``)."""


def header_kid(token: str) -> str:
    """The ``kid`` of a compact JWS, so the caller can refresh its JWKS before verifying."""
    try:
        kid = jwt.get_unverified_header(token).get("kid", "")
    except jwt.PyJWTError as exc:
        raise IdTokenError(_reason(exc)) from exc
    return kid if isinstance(kid, str) else ""


def select_key(jwks: Mapping[str, Any], kid: str) -> jwt.PyJWK | None:
    """The RS256 signing key named ``kid``; without a kid, the only candidate or none."""
    keys = [k for k in jwks.get("keys", ()) if isinstance(k, dict) and k.get("kty") == "RSA"]
    keys = [k for k in keys if k.get("use", "sig") == "sig" and k.get("alg", ALGORITHM) == ALGORITHM]
    if kid:
        keys = [k for k in keys if k.get("kid") == kid]
    elif len(keys) != 1:
        return None  # no kid and several candidates: refuse rather than guess
    if not keys:
        return None
    try:
        return jwt.PyJWK(keys[0], algorithm=ALGORITHM)
    except jwt.PyJWTError as exc:
        raise IdTokenError(_reason(exc)) from exc


def verify(
    token: str, key: jwt.PyJWK, *, issuers: Collection[str], client_id: str, nonce: str
) -> dict[str, Any]:
    """The claims of an ID token signed by ``key``, from one of ``issuers``, for ``client_id``,
    unexpired, answering ``nonce``."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=client_id,
            issuer=issuers,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise IdTokenError(_reason(exc)) from exc
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise IdTokenError("authorized party mismatch")
    if not nonce or claims.get("nonce") != nonce:
        raise IdTokenError("nonce mismatch")
    return claims


def _reason(exc: jwt.PyJWTError) -> str:
    return next((reason for kind, reason in _REASONS if isinstance(exc, kind)), "invalid token")
