"""The caller's credentials as a request carries them: the ``Authorization`` header and the
``session_token`` cookie, read from raw ASGI headers. What they prove is the authenticator's
business (``engine.auth``)."""

from __future__ import annotations

from collections.abc import Iterable

from engine.surface.cookies import SESSION_COOKIE


def credentials_from_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str]:
    """(Authorization header, session_token cookie) from raw ASGI headers."""
    authorization = ""
    cookie = ""
    for name, value in headers:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"cookie":
            cookie = _session_cookie(value.decode("latin-1"))
    return authorization, cookie


def _session_cookie(header: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == SESSION_COOKIE:
            return value
    return ""
