"""The gestaltd commands, run as a user would: exit codes, reports, the route table, first run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from syrupy.assertion import SnapshotAssertion

from engine.cli import main, write_local_config
from tests.support.configs import write_config

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "translated"
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path | None = None, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env["HOME"] = str(home)
    env.pop("GESTALT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version() -> None:
    r = run("version")
    assert (r.returncode, r.stdout.strip()) == (0, "gestaltd 0.1.0")


def test_validate_the_shipped_config() -> None:
    r = run("validate", "--config", "gestalt.yaml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("gestalt.yaml: ok (2 integrations")


def inline_only_corpus() -> list[Path]:
    files = sorted(CORPUS.glob("*.yaml"))
    return [f for f in files if not any(k in f.read_text() for k in ("openapi:", "graphql_url:", "mcp_url:"))]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("config", inline_only_corpus(), ids=lambda p: p.stem)
def test_validate_accepts_every_inline_corpus_config(config: Path) -> None:
    r = run("validate", "--config", str(config))
    assert r.returncode == 0, r.stdout + r.stderr
    assert ": ok (1 integrations" in r.stdout


def test_validate_reports_every_problem_with_file_line_col(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "broken": {
                "plugin": {
                    "base_url": "https://api.example.test",
                    "operations": [
                        {
                            "name": "get_thing",
                            "method": "GET",
                            "path": "/things/{id}",
                            "parameters": [{"name": "limit", "type": "integer"}],
                        },
                        {
                            "name": "templated",
                            "method": "POST",
                            "path": "/t",
                            "body": {"x": "{{ params.nope }"},
                        },
                        {
                            "name": "bad_var",
                            "method": "POST",
                            "path": "/t",
                            "headers": {"X": "{{ secrets.key }}"},
                        },
                    ],
                }
            },
        },
    )
    r = run("validate", "--config", str(path), "--format", "json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["valid"] is False
    messages = [e["message"] for e in report["errors"]]
    assert any('"{id}"' in m or "{id}" in m for m in messages), messages
    assert any("template does not compile" in m for m in messages), messages
    assert any("unknown variable 'secrets'" in m for m in messages), messages
    for error in report["errors"]:
        assert error["file"].endswith("broken.yaml") and error["line"] > 0


def test_validate_formats_and_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "gestalt.yaml"
    path.write_text("server:\n  port: not-a-port\n  bogus: 1\n")
    text = run("validate", "--config", str(path))
    assert text.returncode == 1
    assert "gestalt.yaml:2:" in text.stdout and "gestalt.yaml:3:" in text.stdout
    github = run("validate", "--config", str(path), "--format", "github")
    assert github.stdout.startswith("::error file=")
    assert run("validate", "--config", str(tmp_path / "missing.yaml")).returncode == 2
    assert run("validate", "--config", str(path), "--format", "xml").returncode == 2


def test_routes_prints_the_compiled_route_table(snapshot: SnapshotAssertion) -> None:
    r = run("routes", "--config", "gestalt.yaml")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.strip().splitlines()]
    assert rows == snapshot


def test_first_run_writes_a_private_local_config(tmp_path: Path) -> None:
    path = write_local_config(tmp_path / ".gestalt")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    data = yaml.safe_load(path.read_text())
    assert data["auth"] == {"provider": "none"}
    assert data["datastore"]["config"]["path"] == str(tmp_path / ".gestalt" / "gestalt.db")
    key = data["server"]["encryption_key"]
    assert len(key) == 64 and int(key, 16) >= 0
    assert main(["validate", "--config", str(path)]) == 0
    other = write_local_config(tmp_path / "other")
    assert yaml.safe_load(other.read_text())["server"]["encryption_key"] != key


SETUP_PROBLEMS = f"""\
server:
  port: 8080
  encryption_key: {"ab" * 32}
auth:
  provider: magic
datastore:
  provider: postgres
  config: {{}}
"""


def test_validate_serve_and_routes_agree_on_what_cannot_run(tmp_path: Path) -> None:
    """The key, datastore and login checks that serve makes are reported by validate too, all
    at once and on their lines; serve and routes stop with the same report, not a traceback."""
    config = tmp_path / "gestalt.yaml"
    config.write_text(SETUP_PROBLEMS)
    expected = [
        (5, 3, 'unknown auth provider "magic" (expected one of google, local, none, oidc)'),
        (8, 3, 'datastore "postgres" requires config.dsn'),
    ]
    report = run("validate", "--config", str(config), "--format", "json")
    assert report.returncode == 1
    errors = json.loads(report.stdout)["errors"]
    assert [(e["line"], e["col"], e["message"]) for e in errors] == expected
    for command in ("serve", "routes"):
        stopped = run(command, "--config", str(config))
        assert stopped.returncode == 1, stopped.stderr
        assert "Traceback" not in stopped.stderr
        assert 'gestalt.yaml:8:3: datastore "postgres" requires config.dsn' in stopped.stderr
    assert not list(tmp_path.glob("*.db"))  # nothing opened


def test_validate_requires_the_encryption_key_with_auth_none(tmp_path: Path) -> None:
    config = tmp_path / "gestalt.yaml"
    config.write_text("server:\n  port: 8080\nauth:\n  provider: none\n")
    report = run("validate", "--config", str(config), "--format", "json")
    assert report.returncode == 1
    [error] = json.loads(report.stdout)["errors"]
    assert error["message"] == "server.encryption_key is required: the datastore encrypts credentials at rest"
    assert (error["line"], error["pointer"]) == (1, "/server/encryption_key")
