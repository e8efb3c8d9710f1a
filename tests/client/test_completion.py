"""``gestalt completion bash`` in a real bash: commands, options and names from the server."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.conftest import Cli
from tests.support.configs import write_config
from tests.support.server import served
from tests.support.upstream import Upstream

from .conftest import notes_provider

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")


def _complete(cli: Cli, script: str, line: str, tmp_path: Path, **env: str) -> list[str]:
    """What bash offers for the last word of ``line`` (``gestalt`` resolves to this checkout)."""
    shim = tmp_path / "bin" / "gestalt"
    shim.parent.mkdir(exist_ok=True)
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m engine.client "$@"\n')
    shim.chmod(0o755)
    words = line.split(" ")
    program = (
        f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        '_gestalt; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    environment = cli.env(PATH=f"{shim.parent}:/usr/bin:/bin", **env)
    done = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, env=environment, check=True
    )
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completion(cli: Cli, tmp_path: Path, upstream: Upstream) -> None:
    script = cli("completion", "bash").out
    assert "complete -o default -F _gestalt gestalt" in script
    assert _complete(cli, script, "gestalt to", tmp_path) == ["tokens"]
    assert _complete(cli, script, "gestalt tokens ", tmp_path) == ["create", "list", "revoke", "revoke-all"]
    assert "--input-file" in _complete(cli, script, "gestalt invoke --in", tmp_path)
    assert _complete(cli, script, "gestalt tokens list --format ", tmp_path) == ["json", "table"]
    with served(write_config(tmp_path, {"notes": notes_provider(upstream)})) as server:
        names = _complete(cli, script, "gestalt invoke n", tmp_path, GESTALT_URL=server.url)
        ops = _complete(cli, script, f"gestalt --url {server.url} describe notes ", tmp_path)
    assert names == ["notes"]
    assert ops == ["create_note", "get_note"]


def test_zsh_script_reuses_the_bash_function(cli: Cli) -> None:
    script = cli("completion", "zsh").out
    assert script.startswith("#compdef gestalt\n") and "bashcompinit" in script and "_gestalt()" in script
