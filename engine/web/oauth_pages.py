"""The pages of gestaltd's authorization server (sign-in, consent, failure), served with a strict
Content Security Policy: nothing loads from anywhere, the one stylesheet runs by nonce, no script
runs, no one may frame the page, and a form may post only here (and, for consent, on to the
client's redirect URI, which browsers check on the redirect that follows the post)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from litestar import Response
from litestar.datastructures import Cookie

from engine.web.pages import HTML, render_page


def page(
    template: str,
    *,
    status: int = 200,
    form_targets: Sequence[str] = (),
    cookies: Sequence[Cookie] = (),
    **context: Any,
) -> Response[bytes]:
    nonce = secrets.token_urlsafe(16)
    html = render_page(template, nonce=nonce, **context)
    targets = "".join(f" {t}" for t in form_targets)
    policy = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'{targets}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store"}
    return Response(
        html.encode(), status_code=status, media_type=HTML, headers=headers, cookies=list(cookies)
    )


def error_page(message: str, status: int = 400) -> Response[bytes]:
    return page("oauth_error.html", status=status, message=message)
