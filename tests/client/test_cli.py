"""The ``gestalt`` CLI driven as a user drives it, against a real gestaltd on loopback."""

from __future__ import annotations

import json
import stat

from tests.client.conftest import Cli
from tests.support.upstream import Upstream


def test_a_new_user_logs_in_connects_invokes_and_manages_tokens(
    cli: Cli, local_server: str, upstream: Upstream
) -> None:
    login = cli("login", "--url", local_server)
    assert login.code == 0, login.err
    assert "Logged in to" in login.err and "new@example.com" in login.err
    stored = json.loads(cli.config_file.read_text())
    assert stat.S_IMODE(cli.config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.config_file.parent.stat().st_mode) == 0o700
    assert stored["current"] == local_server
    assert stored["servers"][local_server]["token"].startswith("gst_api_")

    who = cli("whoami", "--format", "json")
    assert who.code == 0, who.err
    assert json.loads(who.out)["user"] == "new@example.com"

    listed = json.loads(cli("integrations", "list", "--format", "json").out)
    assert [(i["name"], i["connected"]) for i in listed] == [("notes", False)]

    connected = cli("integrations", "connect", "notes", stdin="key-PLAINTEXT-1\n")
    assert connected.code == 0, connected.err
    assert "key-PLAINTEXT-1" not in connected.out + connected.err

    call = cli(
        "invoke",
        "notes",
        "create_note",
        "-p",
        "title=hi",
        "-p",
        "stars=3",
        "-p",
        "pinned=true",
        "-p",
        "tags=a,b",
        "--format",
        "json",
    )
    assert call.code == 0, call.err
    sent = upstream.last()
    assert sent.json() == {"title": "hi", "stars": 3, "pinned": True, "tags": ["a", "b"]}
    assert sent.headers["X-Api-Key"] == "key-PLAINTEXT-1"
    assert json.loads(call.out)["body"] == sent.json()

    created = cli("tokens", "create", "ci", "--format", "json")
    assert created.code == 0, created.err
    token = json.loads(created.out)
    names = [t["name"] for t in json.loads(cli("tokens", "list", "--format", "json").out)]
    assert "ci" in names and any(n.startswith("gestalt CLI on ") for n in names)
    assert cli("invoke", "notes", "get_note", "-p", "note_id=1", GESTALT_TOKEN=token["token"]).code == 0
    assert cli("tokens", "revoke", token["id"]).code == 0
    rejected = cli("invoke", "notes", "get_note", "-p", "note_id=1", GESTALT_TOKEN=token["token"])
    assert rejected.code == 3
    assert "invalid token" in rejected.err and "gestalt login" in rejected.err

    assert cli("logout").code == 0
    assert local_server not in json.loads(cli.config_file.read_text())["servers"]
    after = cli("whoami", "--url", local_server)
    assert after.code == 3 and "not logged in" in after.err


def test_invoke_dry_run_shows_the_request_and_sends_nothing(
    cli: Cli, local_server: str, upstream: Upstream
) -> None:
    assert cli("login", "--url", local_server).code == 0
    assert cli("integrations", "connect", "notes", "-c", "api_key=key-PLAINTEXT-9").code == 0
    run = cli(
        "invoke", "notes", "create_note", "-p", "title=hi", "-p", "stars=5", "--dry-run", "--format", "json"
    )
    assert run.code == 0, run.err
    preview = json.loads(run.out)
    assert preview["request"]["body"] == {"title": "hi", "stars": 5}
    assert preview["request"]["headers"]["X-Api-Key"] == "[redacted]"
    assert "key-PLAINTEXT-9" not in run.out
    assert upstream.requests == []
