"""The official MCP TypeScript SDK, run by Node from ``tests/support/ts_mcp/`` (its version pinned
by ``package-lock.json``). ``node_modules`` is installed on first use with ``npm ci``."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent / "ts_mcp"
_installing = threading.Lock()


def ts_sdk_dir() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js 18+ and npm are needed for the TypeScript SDK tests (.ci/run installs them)")
    with _installing:
        if not (HERE / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir():
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=HERE, capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                pytest.fail(f"npm ci failed in {HERE}:\n{done.stderr[-2000:]}")
    return HERE


class NodeHost:
    """A running ``oauth_host.mjs``: JSON lines in and out."""

    def __init__(self, *args: str) -> None:
        pipe = subprocess.PIPE
        command = ["node", "oauth_host.mjs", *args]
        folder = ts_sdk_dir()
        self.process = subprocess.Popen(command, cwd=folder, stdin=pipe, stdout=pipe, stderr=pipe, text=True)

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            assert self.process.stderr is not None
            raise AssertionError(f"the TypeScript host ended: {self.process.stderr.read()[-3000:]}")
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
