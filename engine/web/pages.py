"""The HTML pages of the connect flows (http-api §5.6): the pending connection's selection page,
the success page, and the confirmation an OAuth callback in another browser asks for.

Templates live in ``web/templates/`` and are compiled once, on first use (a server that never
shows these pages never pays for them at startup). This is a separate environment from the
request-template one (``compiler/templates.py``) because it must autoescape: candidate labels come
from an upstream and are shown to the user.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment
from litestar import Response
from litestar.datastructures import Cookie

from engine.invocation.discovery import Candidate
from engine.surface.security import PAGE_HEADERS

PENDING_PATH = "/api/v1/auth/pending-connection"
HTML = "text/html"  # Litestar adds "; charset=utf-8" to text/* media types


@functools.cache
def _template(name: str) -> Template:
    return _environment().get_template(name)


@functools.cache
def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )


def render_page(name: str, **context: object) -> str:
    """A template of ``web/templates/``, rendered (autoescaped)."""
    return _template(name).render(**context)


def integrations_url(integration: str) -> str:
    return "/integrations?connected=" + quote(integration, safe="")


def selection_page(integration: str, token: str, candidates: Sequence[Candidate]) -> str:
    return _template("pending_connection.html").render(
        integration=integration, pending_token=token, candidates=candidates, action=PENDING_PATH
    )


def connected_page(integration: str) -> str:
    url = integrations_url(integration)
    return _template("connected.html").render(integration=integration, integrations_url=url)


def confirm_page(integration: str, account: str, handle: str, action: str) -> str:
    return _template("connect_confirm.html").render(
        integration=integration, account=account, confirmation=handle, action=action
    )


def cancelled_page(integration: str) -> str:
    return _template("connect_cancelled.html").render(integration=integration)


def html_response(page: str, cookies: Sequence[Cookie] = ()) -> Response[bytes]:
    """A page that holds a pending token or reports a connection: never cached."""
    return Response(
        page.encode("utf-8"),
        status_code=200,
        media_type=HTML,
        headers=PAGE_HEADERS,
        cookies=list(cookies),
    )
