"""``gestalt integrations connect|disconnect``: OAuth through a browser, manual credentials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.client.conftest import BROWSER, Cli, notes_provider
from tests.support.configs import write_config
from tests.support.oauth_server import AuthServer, oauth2_auth
from tests.support.server import free_port, served
from tests.support.upstream import Upstream


def _entry(cli: Cli, name: str, *url: str) -> dict[str, Any]:
    listed = json.loads(cli("integrations", "list", "--format", "json", *url).out)
    entry: dict[str, Any] = next(i for i in listed if i["name"] == name)
    return entry


def test_oauth_connect_opens_the_browser_and_waits_for_the_connection(
    cli: Cli, tmp_path: Path, auth_server: AuthServer, upstream: Upstream
) -> None:
    port = free_port()
    docs = {
        "plugin": {
            "base_url": upstream.url,
            "auth": oauth2_auth(auth_server),
            "operations": [{"name": "me", "method": "GET", "path": "/me"}],
        }
    }
    extra = {"server": {"encryption_key": "11" * 32, "base_url": f"http://127.0.0.1:{port}"}}
    with served(write_config(tmp_path, {"docs": docs}, extra), port=port) as server:
        run = cli("integrations", "connect", "docs", "--url", server.url, "--scope", "read", BROWSER=BROWSER)
        assert run.code == 0, run.err
        assert "Connected docs" in run.err
        assert auth_server.authorize_requests[0]["scope"] == "read"
        assert _entry(cli, "docs", "--url", server.url)["connected"] is True
        assert cli("invoke", "docs", "me", GESTALT_URL=server.url).code == 0
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[0]}"


def test_manual_connect_with_fields_on_the_command_line_and_disconnect(
    cli: Cli, local_server: str, upstream: Upstream
) -> None:
    assert cli("login", "--url", local_server).code == 0
    typo = cli("integrations", "connect", "notes", "-c", "apikey=x")
    assert typo.code == 2 and "unknown credential field apikey (fields: api_key)" in typo.err
    run = cli("integrations", "connect", "notes", "-c", "api_key=k-PLAINTEXT", "--instance", "work")
    assert run.code == 0, run.err
    assert _entry(cli, "notes")["instances"] == [{"name": "work", "connection": "plugin"}]
    assert cli("integrations", "disconnect", "notes", "--instance", "work").code == 0
    assert _entry(cli, "notes")["connected"] is False
    again = cli("integrations", "disconnect", "notes")
    assert again.code == 4 and 'no connection found for integration "notes"' in again.err


def test_an_integration_that_needs_no_credential_has_nothing_to_connect(cli: Cli, tmp_path: Path) -> None:
    open_api = {
        "plugin": {
            "base_url": "http://127.0.0.1:9",
            "operations": [{"name": "ping", "method": "GET", "path": "/ping"}],
        }
    }
    with served(write_config(tmp_path, {"open": open_api})) as server:
        run = cli("integrations", "connect", "open", "--url", server.url)
    assert run.code == 0 and "nothing to connect" in run.err


def test_connect_an_unknown_integration(cli: Cli, tmp_path: Path, upstream: Upstream) -> None:
    with served(write_config(tmp_path, {"notes": notes_provider(upstream)})) as server:
        run = cli("integrations", "connect", "nope", "--url", server.url)
    assert run.code == 4 and 'integration "nope" not found' in run.err
