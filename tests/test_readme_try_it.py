"""README's "Try it" block, run as written with the real curl against the real server (the root
config, with httpbin pointed at a loopback upstream): ``curl -X POST ... -d '{...}'`` sends
``application/x-www-form-urlencoded`` and no browser signals, and must still be read as JSON."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.server import free_port, served
from tests.support.upstream import Upstream

ROOT = Path(__file__).resolve().parents[1]


def try_it_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Try it\n+```sh\n(.*?)```", text, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.startswith("curl ")]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_examples_run(tmp_path: Path, upstream: Upstream) -> None:
    shutil.copytree(ROOT / "providers.d", tmp_path / "providers.d")
    httpbin = tmp_path / "providers.d" / "httpbin.yaml"
    httpbin.write_text(httpbin.read_text().replace("https://httpbin.org", upstream.url))
    config = tmp_path / "gestalt.yaml"
    config.write_text((ROOT / "gestalt.yaml").read_text().replace("format: text", "format: json"))
    port = free_port()
    with served(config, port=port):
        for line in try_it_commands():
            words = [w.replace("localhost:8080", f"localhost:{port}") for w in shlex.split(line)]
            run = subprocess.run([*words, "--fail-with-body"], capture_output=True, timeout=30)
            assert run.returncode == 0, (line, run.stdout, run.stderr)
    posted = [r for r in upstream.requests if r.method == "POST"]
    assert [r.json() for r in posted] == [{"message": "hi", "tags": ["a"]}]
    assert [r.path for r in upstream.requests if r.method == "GET"] == ["/anything/demo"]
