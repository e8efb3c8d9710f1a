"""CSRF tokens for the server-rendered forms: sealed (AES-GCM, an hour) over a hash of the
browser's session, so a token works only with the session cookie of the page that got it, and
only from pages this server rendered (a cross-site form cannot read one)."""

from __future__ import annotations

import hmac

from engine.crypto import Cipher, hash_token
from engine.errors import FormRejected, InvalidSealedToken

CSRF_TTL_SECONDS = 3600


def csrf_token(cipher: Cipher, session: str) -> str:
    return cipher.seal({"x": _binding(session)}, CSRF_TTL_SECONDS)


def check_csrf(cipher: Cipher, session: str, token: str) -> None:
    try:
        sealed = cipher.unseal(token).get("x", "") if token else ""
    except InvalidSealedToken:
        raise FormRejected() from None
    if not isinstance(sealed, str) or not hmac.compare_digest(sealed, _binding(session)):
        raise FormRejected()


def _binding(session: str) -> str:
    return hash_token("csrf:" + session)
