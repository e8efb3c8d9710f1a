"""Each class of failure: its message on stderr, nothing on stdout, and its own exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client.conftest import Cli
from tests.support.configs import write_config
from tests.support.server import free_port, served
from tests.support.upstream import Upstream


@pytest.fixture
def logged_in(cli: Cli, local_server: str) -> Cli:
    assert cli("login", "--url", local_server).code == 0
    return cli


def test_unreachable_server(cli: Cli) -> None:
    run = cli("integrations", "list", "--url", f"127.0.0.1:{free_port()}")
    assert run.code == 6 and run.out == ""
    assert "cannot reach gestaltd at http://127.0.0.1:" in run.err and "GESTALT_URL" in run.err


def test_not_a_gestaltd(cli: Cli, upstream: Upstream) -> None:
    run = cli("integrations", "list", "--url", upstream.url)
    assert run.code == 1 and "not a JSON list" in run.err


def test_not_logged_in(cli: Cli, local_server: str) -> None:
    run = cli("integrations", "list", "--url", local_server)
    assert run.code == 3
    assert run.err == "gestalt: missing authorization\n  not logged in: run `gestalt login`\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("invoke",), 2, "the following arguments are required: integration, operation"),
        (("invoke", "notes", "get_note", "-p", "limit=ten"), 2, 'parameter "limit" must be an integer'),
        (("invoke", "notes", "get_note", "-p", "nokey"), 2, "expected key=value"),
        (("invoke", "notes", "create_note", "--input", "[1]"), 2, "must hold a JSON object"),
        (("invoke", "notes", "nope", "-p", "a=1"), 4, 'operation "nope" not found on integration "notes"'),
        (("invoke", "nope", "op"), 4, 'integration "nope" not found'),
        (("describe", "notes", "nope"), 4, "gestalt operations list notes"),
        (("tokens", "revoke", "no-such-id"), 4, "token not found"),
        (("invoke", "notes", "get_note", "-p", "note_id=1"), 3, "gestalt integrations connect NAME"),
        (("tokens", "revoke-all"), 2, "add --yes"),
    ],
)
def test_usage_not_found_and_auth(logged_in: Cli, args: tuple[str, ...], code: int, message: str) -> None:
    run = logged_in(*args)
    assert (run.code, run.out) == (code, ""), run.err
    assert message in run.err


def test_server_side_parameter_checks_are_usage_errors(logged_in: Cli) -> None:
    assert logged_in("integrations", "connect", "notes", "-c", "api_key=k").code == 0
    run = logged_in("invoke", "notes", "create_note", "-p", "stars=2")
    assert run.code == 2 and 'missing required parameter "title"' in run.err


def test_upstream_failures(logged_in: Cli, upstream: Upstream) -> None:
    assert logged_in("integrations", "connect", "notes", "-c", "api_key=k").code == 0
    upstream.reply("/notes", status=500, body=b"boom")
    run = logged_in("invoke", "notes", "create_note", "-p", "title=t")
    assert (run.code, run.out) == (5, "")
    assert run.err == "gestalt: the upstream API answered 500\nboom\n"
    upstream.reply("/notes/7", status=404, body={"message": "no such note"})
    missing = logged_in("invoke", "notes", "get_note", "-p", "note_id=7")
    assert missing.code == 5 and '{"message": "no such note"}' in missing.err


def test_an_upstream_that_cannot_be_reached(cli: Cli, tmp_path: Path) -> None:
    """gestaltd's own 502 is the upstream's class too."""
    down = {
        "plugin": {
            "base_url": f"http://127.0.0.1:{free_port()}",
            "operations": [{"name": "send", "method": "POST", "path": "/send"}],
        }
    }
    with served(write_config(tmp_path, {"down": down})) as server:
        run = cli("invoke", "down", "send", "--url", server.url)
    assert (run.code, run.out) == (5, "")
    assert run.err == "gestalt: failed to reach upstream service\n"
