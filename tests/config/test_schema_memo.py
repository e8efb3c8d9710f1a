"""serve may skip the JSON Schema check of files that passed it unchanged; validate never does."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import load
from engine.config.schema_memo import SchemaMemo
from engine.errors import ConfigError


def write(tmp_path: Path, port: str) -> Path:
    path = tmp_path / "gestalt.yaml"
    path.write_text(f"server:\n  port: {port}\n  encryption_key: {'ab' * 32}\n")
    return path


def test_a_clean_file_is_remembered_and_a_changed_one_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GESTALT_CACHE_DIR", str(tmp_path / "cache"))
    memo_dir = tmp_path / "cache" / "schema-ok"
    assert load(write(tmp_path, "8080"), memo=SchemaMemo.in_cache()).server.port == 8080
    assert len(list(memo_dir.iterdir())) == 1
    assert load(write(tmp_path, "8080"), memo=SchemaMemo.in_cache()).server.port == 8080
    assert len(list(memo_dir.iterdir())) == 1
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, "not-a-port"), memo=SchemaMemo.in_cache())
    assert "not-a-port" in str(info.value) or "integer" in str(info.value)
    assert len(list(memo_dir.iterdir())) == 1  # a failing file is never remembered


def test_the_memo_lives_in_the_cache_directory_not_beside_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GESTALT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    load(write(config_dir, "8080"), memo=SchemaMemo.in_cache())
    assert len(list((tmp_path / "xdg" / "gestaltd" / "schema-ok").iterdir())) == 1
    assert [p.name for p in config_dir.iterdir()] == ["gestalt.yaml"]


def test_without_memo_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_CACHE_DIR", str(tmp_path / "cache"))
    load(write(tmp_path, "8080"))
    assert not (tmp_path / "cache").exists()
