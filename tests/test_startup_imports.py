"""What serving the root config imports: startup to /ready is almost all imports, so the stacks
kept off that path (each worth 20-200 ms) stay off. Timing itself is measured by bench/, not here.

Each run is a fresh interpreter doing what ``gestaltd serve`` does before it listens: the parent's
build (``engine.serve.prebuild``) and the worker's lifespan startup.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Never on the path of a root-config start with its schema checks remembered and its database
# current: the JSON Schema stack, Litestar's optional integrations, migrations, the stacks of
# features the root config does not use (OAuth, OIDC, upstream MCP, passphrase keys).
KEPT_OFF = (
    "jsonschema",
    "pydantic",
    "attr",
    "starlette",
    "sqlite_utils",
    "numpy",
    "httpx",
    "oauthlib",
    "mcp",
    "argon2",
    "anyio._backends._asyncio",
)

_RUN = """
import asyncio, json, sys
from pathlib import Path
from engine.serve import prebuild

app = prebuild(Path(sys.argv[1]))

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
    task.cancel()

asyncio.run(lifespan())
print(json.dumps(sorted(sys.modules)))
"""


def _start(root: Path, cache_home: Path) -> set[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONPATH": str(REPO)}
    env.pop("GESTALT_CACHE_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(root / "gestalt.yaml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture
def root_config(tmp_path: Path) -> Path:
    """A copy of the shipped root config, so its database and caches land in tmp_path."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(REPO / "gestalt.yaml", root)
    shutil.copytree(REPO / "providers.d", root / "providers.d")
    shutil.copytree(REPO / "bindings.d", root / "bindings.d")
    return root


def test_a_warm_start_keeps_the_heavy_stacks_off(root_config: Path, tmp_path: Path) -> None:
    first = _start(root_config, tmp_path / "cache")
    # First start: every file is schema-checked and the new database migrated.
    assert {"jsonschema", "sqlite_utils"} <= first
    second = _start(root_config, tmp_path / "cache")
    loaded = {name for name in KEPT_OFF if name in second}
    assert loaded == set()


def test_an_edited_file_is_checked_again(root_config: Path, tmp_path: Path) -> None:
    _start(root_config, tmp_path / "cache")
    provider = root_config / "providers.d" / "notes.yaml"
    provider.write_text(provider.read_text() + "\n# edited\n")
    assert "jsonschema" in _start(root_config, tmp_path / "cache")
