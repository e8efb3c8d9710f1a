"""The stored logins: location, permissions, overrides."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from engine.client.errors import UsageError
from engine.client.settings import Login, Settings, config_path, server_url, token_for


def test_location_follows_xdg(tmp_path: Path) -> None:
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "gestalt" / "config.json"
    assert config_path({"HOME": str(tmp_path)}) == tmp_path / ".config" / "gestalt" / "config.json"


def test_saved_owner_only_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "gestalt" / "config.json"
    path.parent.mkdir(mode=0o755)
    path.write_text("{}")
    path.chmod(0o644)  # a file someone loosened stays no looser once saved
    settings = Settings.load(path)
    settings.remember(Login("http://a:1", token="gst_api_x", token_id="t1", email="a@b"))
    settings.remember(Login("http://b:2", provider="none"))
    settings.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Settings.load(path)
    assert again.current == "http://b:2"
    assert again.logins["http://a:1"] == Login("http://a:1", token="gst_api_x", token_id="t1", email="a@b")
    again.forget("http://b:2")
    assert again.current == "http://a:1"


def test_environment_overrides(tmp_path: Path) -> None:
    settings = Settings(
        tmp_path / "c.json", "http://stored:1", {"http://stored:1": Login("http://stored:1", "t")}
    )
    assert server_url(None, {}, settings) == "http://stored:1"
    assert server_url(None, {"GESTALT_URL": "gw:9/"}, settings) == "http://gw:9"
    assert server_url("https://x", {"GESTALT_URL": "gw:9"}, settings) == "https://x"
    assert server_url(None, {}, Settings(tmp_path / "none.json")) == "http://localhost:8080"
    assert token_for("http://stored:1", {}, settings) == "t"
    assert token_for("http://stored:1", {"GESTALT_TOKEN": "env"}, settings) == "env"


def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(UsageError, match="unreadable"):
        Settings.load(path)
