"""A real gestaltd on loopback for the CLI tests, and the CLI run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.configs import write_config
from tests.support.server import served
from tests.support.upstream import Upstream


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """``gestalt`` as a subprocess with its own config dir (``XDG_CONFIG_HOME``)."""

    home: Path
    url: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GESTALT_")}
        return {**env, "XDG_CONFIG_HOME": str(self.home), "BROWSER": "false", **extra}

    def __call__(self, *args: str, stdin: str = "", **env: str) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "engine.client", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(**env),
            timeout=60,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    @property
    def config_file(self) -> Path:
        return self.home / "gestalt" / "config.json"


def notes_provider(upstream: Upstream) -> dict[str, Any]:
    """A manual-credential integration on the fake upstream (the README's Notes example, keyed)."""
    return {
        "display_name": "Notes",
        "plugin": {
            "base_url": upstream.url,
            "auth": {
                "type": "manual",
                "credentials": [{"name": "api_key", "label": "API key"}],
                "auth_mapping": {"headers": {"X-Api-Key": "api_key"}},
            },
            "operations": [
                {
                    "name": "get_note",
                    "description": "Fetch one note",
                    "method": "GET",
                    "path": "/notes/{note_id}",
                    "parameters": [
                        {"name": "note_id", "type": "string", "required": True, "description": "Note id"},
                        {"name": "limit", "type": "integer", "default": 10},
                    ],
                },
                {
                    "name": "create_note",
                    "method": "POST",
                    "path": "/notes",
                    "parameters": [
                        {"name": "title", "type": "string", "required": True},
                        {"name": "pinned", "type": "boolean"},
                        {"name": "stars", "type": "integer"},
                        {"name": "tags", "type": "array"},
                    ],
                },
            ],
        },
    }


BROWSER = f"{sys.executable} {Path(__file__).parents[1] / 'support' / 'browser.py'} %s"
"""``BROWSER`` for a flow that must really go through a browser: the scripted one follows redirects."""


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "xdg")


@pytest.fixture
def local_server(tmp_path: Path, upstream: Upstream, cli: Cli) -> Iterator[str]:
    """gestaltd with the ``local`` login provider and the Notes integration."""
    root = tmp_path / "server"
    root.mkdir()
    config = write_config(
        root,
        {"notes": notes_provider(upstream)},
        {"auth": {"provider": "local", "config": {"email": "new@example.com"}}},
    )
    with served(config) as server:
        cli.url = server.url
        yield server.url
