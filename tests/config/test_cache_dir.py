"""Where the caches live: $GESTALT_CACHE_DIR, else the XDG cache directory, else none."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config.cache_dir import cache_dir


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GESTALT_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_gestalt_cache_dir_wins(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("GESTALT_CACHE_DIR", str(tmp_path / "mine"))
    env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "mine"


def test_else_the_xdg_cache_home(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "gestaltd"


def test_else_dot_cache_in_the_home_directory(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "gestaltd"


def test_a_relative_xdg_cache_home_is_ignored(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("HOME", str(tmp_path))
    env.setenv("XDG_CACHE_HOME", "relative/dir")
    assert cache_dir() == tmp_path / ".cache" / "gestaltd"


def test_no_home_directory_means_no_cache(env: pytest.MonkeyPatch) -> None:
    env.setenv("HOME", "relative")
    assert cache_dir() is None
