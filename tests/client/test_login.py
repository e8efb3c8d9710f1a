"""``gestalt login`` against each kind of platform login, ``--token``, and what is kept on disk."""

from __future__ import annotations

import json
import time
from pathlib import Path

from argon2 import PasswordHasher

from tests.client.conftest import BROWSER, Cli
from tests.support.configs import write_config
from tests.support.identity import oidc_auth
from tests.support.oidc_provider import OpenIDProvider
from tests.support.server import free_port, served


def _stored(cli: Cli, url: str) -> dict[str, str]:
    entry: dict[str, str] = json.loads(cli.config_file.read_text())["servers"][url]
    return entry


def test_oidc_login_goes_through_the_browser_to_the_loopback(
    cli: Cli, tmp_path: Path, idp: OpenIDProvider
) -> None:
    """The identity provider sends the browser to the CLI's loopback listener (RFC 8252), the CLI
    finishes the login with its own login_state cookie and keeps an API token, not the session."""
    port = free_port()
    config = write_config(tmp_path, {}, oidc_auth(idp, redirect_url=f"http://127.0.0.1:{port}/callback"))
    idp.login_as("sso@example.com", name="Sso User")
    with served(config) as server:
        run = cli("login", "--url", server.url, "--callback-port", str(port), BROWSER=BROWSER)
        assert run.code == 0, run.err
        assert "Opening the login page" in run.err
        stored = _stored(cli, server.url)
        assert stored["email"] == "sso@example.com" and stored["provider"] == "oidc"
        assert stored["token"].startswith("gst_api_")
        who = cli("whoami", "--format", "json")
        assert json.loads(who.out)["token_id"] == stored["token_id"]
    assert idp.authorize_requests[0]["redirect_uri"] == f"http://127.0.0.1:{port}/callback"


def test_login_without_a_browser_prints_the_url_and_times_out_cleanly(
    cli: Cli, tmp_path: Path, idp: OpenIDProvider
) -> None:
    config = write_config(tmp_path, {}, oidc_auth(idp, redirect_url="http://127.0.0.1:9/"))
    with served(config) as server:
        run = cli("login", "--url", server.url, "--no-browser", "--wait-timeout", "1")
    assert run.code == 3, run.err
    assert "Visit this URL to log in:" in run.err and idp.url + "/authorize?" in run.err
    assert "did not finish within 1 seconds" in run.err
    assert not cli.config_file.exists()


def test_auth_none_needs_no_login(cli: Cli, tmp_path: Path) -> None:
    with served(write_config(tmp_path, {})) as server:
        run = cli("login", "--url", server.url)
        assert run.code == 0, run.err
        assert "auth none" in run.err
        assert _stored(cli, server.url) == {"provider": "none"}
        who = json.loads(cli("whoami", "--format", "json").out)
    assert who == {"url": server.url, "provider": "none", "user": "anonymous@gestalt"}


def test_local_login_asks_for_the_password(cli: Cli, tmp_path: Path) -> None:
    hashed = PasswordHasher().hash("pw-PLAINTEXT")
    auth = {"auth": {"provider": "local", "config": {"email": "me@example.com", "password": hashed}}}
    with served(write_config(tmp_path, {}, auth)) as server:
        wrong = cli("login", "--url", server.url, stdin="nope\n")
        assert wrong.code == 3 and "login failed" in wrong.err
        right = cli("login", "--url", server.url, stdin="pw-PLAINTEXT\n")
    assert right.code == 0, right.err
    assert _stored(cli, server.url)["email"] == "me@example.com"


def test_a_pasted_token_is_checked_then_kept(cli: Cli, local_server: str) -> None:
    bad = cli("login", "--url", local_server, "--token", "gst_api_" + "0" * 64)
    assert bad.code == 3 and "invalid token" in bad.err
    assert not cli.config_file.exists()
    assert cli("login", "--url", local_server).code == 0
    token = json.loads(cli("tokens", "create", "pasted", "--format", "json").out)["token"]
    other = Cli(cli.home.parent / "other")
    assert other("login", "--url", local_server, "--token", "-", stdin=token + "\n").code == 0
    assert _stored(other, local_server)["token"] == token
    assert other("integrations", "list").code == 0
    out = other("logout")
    assert out.code == 0 and "stays valid on the server" in out.err


def test_an_expired_token_says_so(cli: Cli, tmp_path: Path) -> None:
    auth = {"auth": {"provider": "local"}, "server": {"encryption_key": "11" * 32, "api_token_ttl": "1s"}}
    with served(write_config(tmp_path, {}, auth)) as server:
        assert cli("login", "--url", server.url).code == 0
        expires = _stored(cli, server.url)["expires_at"]
        time.sleep(1.5)  # the server's clock decides: nothing to inject into a separate process
        run = cli("integrations", "list")
    assert run.code == 3
    hint = f"your token for {server.url} expired at {expires}: run `gestalt login`"
    assert run.err == f"gestalt: invalid token\n  {hint}\n"
