"""The security headers every response carries (added by Litestar's ``before_send`` hook and by
the bare invoke endpoint)."""

from __future__ import annotations

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


def security_headers(https: bool) -> tuple[tuple[bytes, bytes], ...]:
    return (*BASE_HEADERS, HSTS) if https else BASE_HEADERS
