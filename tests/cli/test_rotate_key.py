"""``gestaltd rotate-key`` as an operator runs it: the report, the exit codes, bad flags, and a
keyring the config cannot have (one key given twice under different names)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from engine.crypto import Cipher, derive_key, key_id
from engine.store import CredentialData, open_store

REPO = Path(__file__).resolve().parents[2]
OLD, NEW = "0a" * 32, "0b" * 32  # with letters: an all-digit value from ${VAR} would be a YAML integer


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "GESTALT_CONFIG"} | (env or {})
    argv = [sys.executable, "-m", "engine.cli", *args]
    return subprocess.run(argv, cwd=REPO, env=environ, capture_output=True, text=True, timeout=60)


def config(root: Path, write: str, *previous: str) -> Path:
    keys = "".join(f"\n    - '{key}'" for key in previous)
    text = f"server:\n  encryption_key: '{write}'\n" + (
        f"  previous_encryption_keys:{keys}\n" if previous else ""
    )
    path = root / "gestalt.yaml"
    path.write_text(text + "datastore:\n  provider: sqlite\n  config: {path: gestalt.db}\n")
    return path


async def seed(root: Path, rows: int) -> None:
    store = open_store("sqlite", {"path": "gestalt.db"}, Cipher(derive_key(OLD)), root)
    await store.migrate()
    user = await store.find_or_create_user("ops@example.com")
    for i in range(rows):
        await store.upsert_credential(CredentialData(user_id=user.id, integration="svc", instance=f"i{i}",
                                                     access_token=f"t{i}"))  # fmt: skip
    await store.close()


def test_rotate_key_reports_counts_and_resumes(tmp_path: Path) -> None:
    asyncio.run(seed(tmp_path, 12))
    path = config(tmp_path, NEW, OLD)
    first = run("rotate-key", "--config", str(path), "--batch-size", "5", "--max-batches", "1")
    assert first.returncode == 0, first.stderr
    new_id, old_id = key_id(bytes.fromhex(NEW)), key_id(bytes.fromhex(OLD))
    lines = first.stdout.splitlines()
    assert lines[:4] == [
        f"write key {new_id} (read-only keys: {old_id})",
        "integration_tokens: 12 rows, 5 rewritten, 7 not under the write key",
        "oauth_registrations: 0 rows, 0 rewritten, 0 not under the write key",
        "one_time_values: 0 rows, 0 rewritten, 0 not under the write key",
    ]
    assert lines[4].startswith("5 rows rewritten in 1 batches, ")
    assert lines[5] == "stopped at the batch limit: run rotate-key again to continue"
    assert first.stderr == "integration_tokens: 5 rewritten\n"
    second = run("rotate-key", "--config", str(path))
    assert second.returncode == 0, second.stderr
    assert (
        second.stdout.splitlines()[1] == "integration_tokens: 12 rows, 7 rewritten, 0 not under the write key"
    )
    assert (
        second.stdout.splitlines()[-1]
        == f"done: every stored secret is under key {new_id}; previous keys can go"
    )
    assert OLD not in first.stdout + first.stderr + second.stdout + second.stderr


def test_rows_under_a_key_no_longer_configured_fail_the_run(tmp_path: Path) -> None:
    asyncio.run(seed(tmp_path, 3))
    r = run("rotate-key", "--config", str(config(tmp_path, NEW)))
    assert r.returncode == 1
    assert "3 unreadable under every configured key" in r.stdout
    assert r.stdout.splitlines()[-1].startswith("not done: run rotate-key again")


def test_bad_flags_are_usage_errors(tmp_path: Path) -> None:
    path = config(tmp_path, NEW)
    for flags in (["--batch-size", "0"], ["--max-batches", "-1"], ["--pause", "-1"], ["--pause", "nan"]):
        r = run("rotate-key", "--config", str(path), *flags)
        assert r.returncode == 2 and "gestaltd rotate-key: error: argument" in r.stderr, (flags, r.stderr)
    missing = run("rotate-key", "--config", str(tmp_path / "absent.yaml"))
    assert missing.returncode == 2 and "config file not found" in missing.stderr


def test_one_key_under_two_secret_names_is_refused_at_its_line(tmp_path: Path) -> None:
    path = config(tmp_path, "secret://current", "secret://older")
    env = {"CURRENT": NEW, "OLDER": NEW}
    report = run("validate", "--config", str(path), "--format", "json", env=env)
    assert report.returncode == 1
    [error] = json.loads(report.stdout)["errors"]
    assert error["message"] == "server.previous_encryption_keys[0] is the same key as server.encryption_key"
    assert (error["line"], error["pointer"]) == (4, "/server/previous_encryption_keys/0")
    rotate = run("rotate-key", "--config", str(path), env=env)
    assert rotate.returncode == 1 and "gestalt.yaml:4:" in rotate.stderr and NEW not in rotate.stderr


def readme_keys_block() -> str:
    """The ``server:`` block the README shows under "Encryption keys"."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Encryption keys", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_readme_rotation_steps_with_its_own_config_block(tmp_path: Path) -> None:
    asyncio.run(seed(tmp_path, 4))  # written under OLD, before the rotation
    path = tmp_path / "gestalt.yaml"
    path.write_text(readme_keys_block() + "datastore:\n  provider: sqlite\n  config: {path: gestalt.db}\n")
    both = {"GESTALT_ENCRYPTION_KEY": NEW, "GESTALT_PREVIOUS_ENCRYPTION_KEY": OLD}
    r = run("rotate-key", "--config", str(path), env=both)  # step 2, the new key writing
    assert r.returncode == 0, r.stderr
    assert "integration_tokens: 4 rows, 4 rewritten, 0 not under the write key" in r.stdout
    path.write_text(path.read_text().replace("    - ${GESTALT_PREVIOUS_ENCRYPTION_KEY}\n", "").replace(
        "  previous_encryption_keys:                             # read only\n", ""))  # fmt: skip
    assert "previous" not in path.read_text()  # step 3: the old key removed
    again = run("rotate-key", "--config", str(path), env={"GESTALT_ENCRYPTION_KEY": NEW})
    assert again.returncode == 0 and "4 rows, 0 rewritten, 0 not under" in again.stdout, again.stdout
