"""The README's ``gestalt`` walkthrough, line by line, against a real server."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.client.conftest import Cli
from tests.support.upstream import Upstream

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## The `gestalt` client\n.*?```sh\n(.*?)```", text, re.S)
    assert block is not None
    return [shlex.split(line, comments=True) for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_walkthrough_runs(cli: Cli, local_server: str, upstream: Upstream) -> None:
    token_id = ""
    for words in readme_commands():
        assert words[0] == "gestalt"
        args = [
            local_server if w == "http://localhost:8080" else token_id if w == "TOKEN_ID" else w
            for w in words
        ]
        run = cli(*args[1:], stdin="key-from-readme\n")
        assert run.code == 0, (words, run.err)
        if args[1:3] == ["tokens", "create"]:
            token_id = json.loads(run.out)["id"]
    assert upstream.requests[0].json() == {"title": "hi", "stars": 3, "tags": ["a", "b"]}
    assert upstream.requests[0].headers["X-Api-Key"] == "key-from-readme"
    assert token_id and not cli.config_file.read_text().count("gst_api_")
