"""``gestaltd init`` prepares remote documents; validate and ``--locked`` use only that state."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.bootstrap import build_runtime, load_config
from engine.cli import main
from engine.errors import ConfigError
from tests.support.configs import write_config
from tests.support.upstream import Upstream

DOC = {
    "openapi": "3.0.3",
    "info": {"title": "Remote", "version": "1"},
    "servers": [{"url": "/api"}],
    "paths": {"/ping": {"get": {"operationId": "ping"}}},
}


def remote_config(tmp_path: Path, upstream: Upstream) -> Path:
    upstream.reply("/spec.json", 200, DOC)
    return write_config(tmp_path, {"remote": {"plugin": {"openapi": upstream.url + "/spec.json"}}})


def test_validate_requires_prepared_state(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    config = remote_config(tmp_path, upstream)
    assert main(["validate", "--config", str(config)]) == 1
    assert "run `gestaltd init --config" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="gestaltd init"):
        build_runtime(load_config(config), locked=True)


def test_init_then_validate_offline(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    config = remote_config(tmp_path, upstream)
    assert main(["init", "--config", str(config)]) == 0
    lock = yaml.safe_load((tmp_path / "gestalt.lock.json").read_text())
    entry = lock["documents"][upstream.url + "/spec.json"]
    assert entry["kind"] == "openapi" and len(entry["sha256"]) == 64 and entry["fetched_at"]
    fetched = len(upstream.requests)
    assert main(["validate", "--config", str(config)]) == 0, capsys.readouterr().out
    runtime = build_runtime(load_config(config), locked=True)
    assert list(runtime.providers["remote"].operations) == ["ping"]
    assert len(upstream.requests) == fetched  # validate and --locked never fetched


def test_changed_url_makes_the_lock_stale(
    tmp_path: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    config = remote_config(tmp_path, upstream)
    assert main(["init", "--config", str(config)]) == 0
    write_config(tmp_path, {"remote": {"plugin": {"openapi": upstream.url + "/other.json"}}})
    assert main(["validate", "--config", str(config)]) == 1
    assert "missing or stale" in capsys.readouterr().out
