"""The cookies the API sets: ``session_token``, ``login_state`` (reference http-api §3.5) and
``pending_connection_state`` (§5.6).

All are HttpOnly, SameSite=Lax, Path=/, Secure iff ``server.base_url`` is https; deletion is
``Max-Age=0``. ``login_state`` binds a login to the browser that started it: it holds the client's
state sealed with the Cipher for ten minutes, and the callback must present the same state.
``pending_connection_state`` does the same for a pending connection's selection page: it holds the
pending token's binding key, so a chooser who is not signed in must be that browser.
``oauth_binding`` marks the browser that started an integration OAuth flow, for its callback;
``oauth_confirm`` the browser shown a callback's confirmation page (``auth/connect_binding.py``).
``oauth_confirm`` is SameSite=Strict: only the page's own form sends it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from litestar.datastructures import Cookie

from engine.crypto import Cipher
from engine.errors import GestaltError, InvalidSealedToken, LoginStateInvalid, PendingAuthorizationRequired

SESSION_COOKIE = "session_token"
LOGIN_STATE_COOKIE = "login_state"
LOGIN_STATE_TTL_SECONDS = 600
PENDING_COOKIE = "pending_connection_state"
PENDING_TTL_SECONDS = 1800
OAUTH_BINDING_COOKIE = "oauth_binding"
OAUTH_CONFIRM_COOKIE = "oauth_confirm"
OAUTH_FLOW_TTL_SECONDS = 600  # the flow's state lives as long


def _cookie(
    key: str, value: str, max_age: int, secure: bool, samesite: Literal["lax", "strict"] = "lax"
) -> Cookie:
    return Cookie(
        key=key, value=value, path="/", max_age=max_age, httponly=True, samesite=samesite, secure=secure
    )


def session_cookie(token: str, ttl: timedelta, secure: bool) -> Cookie:
    return _cookie(SESSION_COOKIE, token, int(ttl.total_seconds()), secure)


def cleared_cookie(key: str, secure: bool) -> Cookie:
    return _cookie(key, "", 0, secure)


def oauth_binding_cookie(nonce: str, secure: bool) -> Cookie:
    return _cookie(OAUTH_BINDING_COOKIE, nonce, OAUTH_FLOW_TTL_SECONDS, secure)


def oauth_confirm_cookie(nonce: str, secure: bool) -> Cookie:
    return _cookie(OAUTH_CONFIRM_COOKIE, nonce, OAUTH_FLOW_TTL_SECONDS, secure, "strict")


def login_state_cookie(cipher: Cipher, state: str, secure: bool) -> Cookie:
    sealed = cipher.seal({"s": state}, LOGIN_STATE_TTL_SECONDS)
    return _cookie(LOGIN_STATE_COOKIE, sealed, LOGIN_STATE_TTL_SECONDS, secure)


def check_login_state(cipher: Cipher, cookie: str, state: str) -> None:
    """Raise 403 unless the ``login_state`` cookie is ours, unexpired and holds ``state``."""
    _check_sealed(cipher, cookie, "s", state, LoginStateInvalid)


def pending_cookie(cipher: Cipher, binding: str, secure: bool) -> Cookie:
    sealed = cipher.seal({"b": binding}, PENDING_TTL_SECONDS)
    return _cookie(PENDING_COOKIE, sealed, PENDING_TTL_SECONDS, secure)


def check_pending_cookie(cipher: Cipher, cookie: str, binding: str) -> None:
    """Raise 401 unless the ``pending_connection_state`` cookie is ours, unexpired and bound to
    the same pending connection."""
    _check_sealed(cipher, cookie, "b", binding, PendingAuthorizationRequired)


def _check_sealed(cipher: Cipher, cookie: str, field: str, expected: str, error: type[GestaltError]) -> None:
    if not cookie or not expected:
        raise error()
    try:
        sealed = cipher.unseal(cookie).get(field)
    except InvalidSealedToken as exc:
        raise error() from exc
    if sealed != expected:
        raise error()
