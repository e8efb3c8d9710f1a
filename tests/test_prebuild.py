"""What ``gestaltd serve`` does before it listens (``engine.serve.prebuild``), then the worker's
lifespan startup (the gate's build), each run in a fresh interpreter.

Startup to /ready is almost all imports, so the optional stacks a warm start of the root config
does not need (each worth 20-200 ms) stay off its path; a changed file is checked against its
schema again, and a file that fails stops the start with exactly the issues ``validate`` reports.
Timing is measured by bench/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.config import load, load_partial
from engine.config.issues import sorted_issues

REPO = Path(__file__).resolve().parent.parent

# Never on the path of a root-config start with its schema checks remembered and its database
# current: the JSON Schema stack, migrations (and numpy, which sqlite-utils would pull in), the
# stacks of features the root config does not use (OAuth, OIDC, upstream MCP, passphrase keys),
# and the anyio backend of Litestar's default event bus. (Litestar itself imports pydantic and
# attrs whenever they are installed, as the mcp SDK makes them: that is Litestar's choice.)
KEPT_OFF = (
    "jsonschema",
    "sqlite_utils",
    "numpy",
    "httpx",
    "oauthlib",
    "mcp",
    "argon2",
    "jwt",
    "anyio._backends._asyncio",
)

_RUN = """
import asyncio, json, sys
from pathlib import Path
from engine.errors import ConfigError
from engine.serve import prebuild

try:
    app = prebuild(Path(sys.argv[1]))
except ConfigError as exc:
    issues = [[str(i.file), i.line, i.col, i.message, i.pointer] for i in exc.issues]
    print(json.dumps({"issues": issues, "modules": sorted(sys.modules)}))
    sys.exit(0)

async def lifespan() -> None:
    sent = []
    events = iter([{"type": "lifespan.startup"}])
    async def receive():
        return next(events, None) or await asyncio.Event().wait()
    async def send(message):
        sent.append(message["type"])
    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    while not sent:
        await asyncio.sleep(0.001)
    assert sent == ["lifespan.startup.complete"], sent
    while app.gateway is None:  # the gate builds the providers and the gateway behind it
        await asyncio.sleep(0.001)
    task.cancel()

asyncio.run(lifespan())
server = app.config.server
print(json.dumps({"host": server.host, "port": server.port, "modules": sorted(sys.modules)}))
"""


def _start(root: Path, cache_home: Path) -> dict[str, Any]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONPATH": str(REPO)}
    env.pop("GESTALT_CACHE_DIR", None)
    env.pop("GESTALT_TEST_UNSET", None)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(root / "gestalt.yaml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    result["modules"] = set(result["modules"])
    return result


def _memo_entries(cache_home: Path) -> set[str]:
    directory = cache_home / "gestaltd" / "schema-ok"
    return {p.name for p in directory.iterdir()} if directory.is_dir() else set()


@pytest.fixture
def root_config(tmp_path: Path) -> Path:
    """A copy of the shipped root config, so its database and caches land in tmp_path."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(REPO / "gestalt.yaml", root)
    shutil.copytree(REPO / "providers.d", root / "providers.d")
    return root


def test_a_warm_start_keeps_the_heavy_stacks_off(root_config: Path, tmp_path: Path) -> None:
    first = _start(root_config, tmp_path / "cache")
    # First start: the new database is migrated; every file is checked against its schema.
    assert "sqlite_utils" in first["modules"] and "jsonschema" in first["modules"]
    assert len(_memo_entries(tmp_path / "cache")) == 3  # gestalt.yaml and the two providers.d files
    assert not (root_config / ".gestalt").exists()  # caches live in the cache directory
    second = _start(root_config, tmp_path / "cache")
    loaded = {name for name in KEPT_OFF if name in second["modules"]}
    assert loaded == set()


def test_an_edited_file_is_checked_again_and_remembered(root_config: Path, tmp_path: Path) -> None:
    _start(root_config, tmp_path / "cache")
    before = _memo_entries(tmp_path / "cache")
    provider = root_config / "providers.d" / "notes.yaml"
    provider.write_text(provider.read_text() + "\n# edited\n")
    edited = _start(root_config, tmp_path / "cache")
    assert "jsonschema" in edited["modules"]
    assert len(_memo_entries(tmp_path / "cache") - before) == 1
    assert "jsonschema" not in _start(root_config, tmp_path / "cache")["modules"]


def test_a_file_failing_its_schema_stops_the_start_with_the_validate_issues(
    root_config: Path, tmp_path: Path
) -> None:
    _start(root_config, tmp_path / "cache")
    before = _memo_entries(tmp_path / "cache")
    provider = root_config / "providers.d" / "notes.yaml"
    provider.write_text(provider.read_text().replace("operations:", "operations:\n    - 42", 1))
    _, expected = load_partial(root_config / "gestalt.yaml")
    assert expected  # the edit is a schema error
    for _ in range(2):  # and a failing file is never remembered
        failed = _start(root_config, tmp_path / "cache")
        assert failed["issues"] == [
            [str(i.file), i.line, i.col, i.message, i.pointer] for i in sorted_issues(expected)
        ]
    assert _memo_entries(tmp_path / "cache") == before


def test_unset_keys_are_dropped_the_same_way_when_remembered(root_config: Path, tmp_path: Path) -> None:
    main = root_config / "gestalt.yaml"
    main.write_text(
        main.read_text().replace("  port: 8080\n", "  port: 8080\n  host: ${GESTALT_TEST_UNSET}\n")
    )
    expected = load(main, env={}).server
    first = _start(root_config, tmp_path / "cache")
    second = _start(root_config, tmp_path / "cache")
    for run in (first, second):
        assert (run["host"], run["port"]) == (expected.host, expected.port)
    assert "jsonschema" not in second["modules"]
