"""secret:// resolution through the env and file providers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.config import load
from engine.errors import ConfigError
from engine.secrets import EnvSecrets, FileSecrets, SecretNotFound, provider_from_spec, resolve_secrets

CONFIG = """\
server:
  encryption_key: secret://enc-key
datastore:
  provider: postgres
  config:
    dsn: secret://db-dsn
integrations:
  svc:
    plugin:
      base_url: https://x.test
      headers:
        X-Key: secret://api-key
      auth:
        type: oauth2
        authorization_url: https://x.test/a
        token_url: https://x.test/t
        client_secret: secret://client-secret
      connections:
        team:
          mode: identity
          identity:
            token: secret://team-token
          params:
            region: {default: "secret://not-walked"}
      default_connection: plugin
      operations:
        - {name: a, method: GET, path: /a}
bindings:
  hook:
    type: webhook
    config:
      path: /hook
      auth_mode: signed
      signing_secret: secret://hook-secret
egress:
  credentials:
    - {secret_ref: secret://egress, host: x.test}
"""
VALUES = {
    "ENC_KEY": "k1", "DB_DSN": "postgres://db", "API_KEY": "a1", "CLIENT_SECRET": "c1",
    "TEAM_TOKEN": "t1", "HOOK_SECRET": "h1",
}  # fmt: skip


def test_env_provider_maps_names() -> None:
    assert EnvSecrets({"APP_MY_KEY": "v"}, prefix="APP_").get("my-key") == "v"
    with pytest.raises(SecretNotFound, match='environment variable "MISSING" not set'):
        EnvSecrets({}).get("missing")


def test_file_provider(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("value\r\n")
    secrets = FileSecrets(tmp_path)
    assert secrets.get("token") == "value"
    for bad in ("../etc/passwd", "/etc/passwd", "", "a/../../x"):
        with pytest.raises(SecretNotFound):
            secrets.get(bad)
    with pytest.raises(SecretNotFound, match="secret not found"):
        secrets.get("absent")


def test_resolve_walks_every_section(write_config: Callable[[str], Path]) -> None:
    spec = resolve_secrets(load(write_config(CONFIG), env={}), EnvSecrets(VALUES))
    plugin = spec.integrations["svc"].plugin
    assert spec.server.encryption_key == "k1"
    assert spec.datastore.config["dsn"] == "postgres://db"
    assert plugin.headers == {"X-Key": "a1"}
    assert plugin.auth is not None and plugin.auth.client_secret == "c1"
    assert plugin.connections["team"].identity == {"token": "t1"}
    assert plugin.connections["team"].params["region"].default == "secret://not-walked"
    webhook = spec.bindings["hook"].webhook
    assert webhook is not None and webhook.signing_secrets == ("h1",)
    assert spec.egress.credentials[0].secret_ref == "secret://egress"


def test_missing_secrets_are_all_reported_without_values(write_config: Callable[[str], Path]) -> None:
    spec = load(write_config(CONFIG), env={})
    with pytest.raises(ConfigError) as caught:
        resolve_secrets(spec, EnvSecrets({"ENC_KEY": "super-secret-value", "API_KEY": ""}))
    text = str(caught.value)
    assert 'resolving secret "db-dsn": secret not found' in text
    assert 'resolving secret "api-key": resolved to empty value' in text
    assert "super-secret-value" not in text
    assert len(caught.value.issues) == 5


def test_provider_from_spec(tmp_path: Path, write_config: Callable[[str], Path]) -> None:
    (tmp_path / "s").mkdir()
    spec = load(write_config("secrets:\n  provider: file\n  config: {dir: s}\n"), env={})
    assert isinstance(provider_from_spec(spec), FileSecrets)
    assert isinstance(provider_from_spec(load(write_config("{}\n"), env={}), {}), EnvSecrets)
    with pytest.raises(ConfigError, match='unknown secrets provider "vault"'):
        provider_from_spec(load(write_config("secrets: {provider: vault}\n"), env={}))
