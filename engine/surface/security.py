"""The security headers every response carries (added by Litestar's ``before_send`` hook and by
the bare invoke endpoint), and the stricter ones of HTML pages."""

from __future__ import annotations

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")

# Pages load only this server's stylesheet and script, never inline code; images are this server's
# or data: URLs (integration icons, as <img>, so an icon's SVG can never run script). No
# ``form-action``: Chromium applies it to the redirects after a submit, and signing in and
# connecting an account are forms that redirect to an identity provider or an OAuth server.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS: dict[str, str] = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"}


def security_headers(https: bool) -> tuple[tuple[bytes, bytes], ...]:
    return (*BASE_HEADERS, HSTS) if https else BASE_HEADERS
