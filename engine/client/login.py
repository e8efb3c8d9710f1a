"""``gestalt login``: from a server URL to an API token kept on disk.

The flow follows the platform login (reference http-api §4): ``POST /api/v1/auth/login`` with a
fresh state and the loopback port; then either a session at once (the ``local`` provider), a URL
on the server itself that already carries the code, or a browser trip through the identity
provider that ends at the loopback listener. The session is exchanged for an API token
(``POST /api/v1/tokens``) named after this machine, and revoked at once: only the token is kept.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from engine.client.api import GestaltClient, LoginStart
from engine.client.errors import AuthError, ClientError
from engine.client.loopback import Loopback
from engine.client.settings import Login

LOGIN_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class LoginUI:
    """How the flow reaches the person: open a URL, say something (stderr), ask a password."""

    open_browser: Callable[[str], Any]
    say: Callable[[str], None]
    ask_password: Callable[[str], str]
    browser: bool = True


def token_name() -> str:
    return f"gestalt CLI on {socket.gethostname()}"


def login_with_token(client: GestaltClient, token: str) -> Login:
    """``gestalt login --token``: check that the server takes the token, then keep it."""
    provider = str(client.auth_info().get("provider", ""))
    client.token = token
    client.list_tokens()  # an authenticated call: a bad token is an AuthError here
    return Login(url=client.url, token=token, provider=provider)


def browser_login(
    client: GestaltClient, ui: LoginUI, *, callback_port: int = 0, timeout: float = LOGIN_TIMEOUT
) -> Login:
    provider = str(client.auth_info().get("provider", ""))
    if provider == "none":
        return Login(url=client.url, provider="none")  # everyone is the anonymous user: nothing to prove
    with Loopback(callback_port) as loopback:
        state = secrets.token_urlsafe(24)
        start = _begin(client, ui, state, loopback.port, provider)
        if start.session:
            session, identity = start.session, dict(start.identity or {})
        else:
            code, returned_state = _code(
                client.url, urljoin(client.url + "/", start.url), loopback, ui, timeout
            )
            session, identity = client.finish_login(code, returned_state)
    name = token_name()
    try:
        created = client.create_token(name, bearer=session)
    finally:
        with contextlib.suppress(ClientError):
            client.end_session(session)
    return Login(
        url=client.url,
        token=str(created["token"]),
        token_id=str(created.get("id", "")),
        token_name=name,
        expires_at=str(created.get("expires_at", "")),
        provider=provider,
        email=identity.get("email", ""),
        display_name=identity.get("display_name", ""),
    )


def _begin(client: GestaltClient, ui: LoginUI, state: str, port: int, provider: str) -> LoginStart:
    try:
        return client.begin_login(state, port)
    except AuthError:
        if provider != "local":
            raise
    # The local provider refuses a login without its configured password.
    password = ui.ask_password(f"Password for {client.url}: ")
    return client.begin_login(state, port, password)


def _code(server: str, target: str, loopback: Loopback, ui: LoginUI, timeout: float) -> tuple[str, str]:
    """(code, state) for the login callback: straight from a same-origin URL that carries the
    code already (no identity provider to visit), else from the browser's trip to the loopback."""
    parts, origin = urlsplit(target), urlsplit(server)
    query = dict(parse_qsl(parts.query))
    if (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc) and query.get("code"):
        return query["code"], query.get("state", "")
    if ui.browser:
        ui.say(f"Opening the login page in your browser. If it does not open, visit:\n  {target}")
        threading.Thread(target=ui.open_browser, args=(target,), daemon=True).start()
    else:
        ui.say(f"Visit this URL to log in:\n  {target}")
    redirect = loopback.wait(timeout)
    if redirect is None:
        raise AuthError(f"the login did not finish within {int(timeout)} seconds")
    if redirect.error or not redirect.code:
        raise AuthError(f"the identity provider refused the login: {redirect.error or 'no code returned'}")
    # The state goes back as it came: the server checks it against the login_state cookie that
    # this client (not the browser) holds, which is what binds the login to this terminal.
    return redirect.code, redirect.state
