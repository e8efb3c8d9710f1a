"""An ``oauth2`` connection whose client id ended up empty (``client_id: ${VAR}`` with VAR unset)
offers no OAuth. It is not a config error (the reference validates such configs, and the
catalogue's ship with ``${APP_CLIENT_ID}``): ``validate`` passes, ``serve`` keeps the integration and
warns at startup, naming the auth block's place, and start-oauth answers that no OAuth connection
is configured. Connections that legitimately have no client id are not warned about: ``mcp_oauth``
(dynamic registration), an oauth2 scheme taken from an OpenAPI document, a client id given as
``plugin.config.client_id``, and a public client (a client id, PKCE, no secret)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.bootstrap import build_gateway, build_runtime, load_config
from engine.egress.client import default_client
from engine.egress.limits import Limits
from engine.telemetry import configure_logging
from tests.support.app_client import app_client

REPO = Path(__file__).resolve().parents[2]
UNSET = ("GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "TRACKER_CLIENT_ID", "TRACKER_CLIENT_SECRET")
MESSAGE = (
    'integration "{name}": connection "{connection}": oauth2 auth requires client_id '
    "(set auth.client_id or plugin.config.client_id; an unset ${{VAR}} leaves it empty)"
)
NO_OAUTH = 'integration "{name}" has no OAuth connections configured'
AUTHORIZE = "https://idp.example.test/authorize"
TOKEN = "https://idp.example.test/token"

GESTALT = """\
server:
  encryption_key: "{key}"
  base_url: http://gateway.example.test
auth:
  provider: none
datastore:
  provider: sqlite
  config:
    path: {db}
telemetry:
  provider: stdout
  config:
    format: json
    level: info
integrations:
  github:
    plugin:
      base_url: https://api.example.test
      auth:
        type: oauth2
        authorization_url: {authorize}
        token_url: {token}
        client_id: ${{GITHUB_CLIENT_ID}}
        client_secret: ${{GITHUB_CLIENT_SECRET}}
      operations:
        - {{name: me, method: GET, path: /user}}
  sibling:
    plugin:
      base_url: https://api.example.test
      operations:
        - {{name: ping, method: GET, path: /ping}}
  overridden:
    plugin:
      base_url: https://api.example.test
      config:
        client_id: from-plugin-config
      auth:
        type: oauth2
        authorization_url: {authorize}
        token_url: {token}
        client_id: ${{GITHUB_CLIENT_ID}}
      operations:
        - {{name: ping, method: GET, path: /ping}}
  public:
    plugin:
      base_url: https://api.example.test
      auth:
        type: oauth2
        authorization_url: {authorize}
        token_url: {token}
        client_id: public-client
        client_secret: ${{GITHUB_CLIENT_SECRET}}
        pkce: true
      operations:
        - {{name: ping, method: GET, path: /ping}}
  upstream_mcp:
    plugin:
      mcp_url: http://127.0.0.1:9/mcp
      auth:
        type: mcp_oauth
  spec_oauth:
    plugin:
      openapi: openapi.json
"""

TRACKER = """\
plugin:
  base_url: https://tracker.example.test
  default_connection: plugin
  connections:
    work:
      mode: user
      auth:
        type: oauth2
        authorization_url: {authorize}
        token_url: {token}
        client_id: ${{TRACKER_CLIENT_ID}}
        client_secret: ${{TRACKER_CLIENT_SECRET}}
  operations:
    - {{name: issues, method: GET, path: /issues, connection: work}}
"""

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Spec", "version": "1"},
    "servers": [{"url": "https://spec.example.test"}],
    "components": {
        "securitySchemes": {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": AUTHORIZE,
                        "tokenUrl": TOKEN,
                        "scopes": {"read": "read"},
                    }
                },
            }
        }
    },
    "security": [{"oauth": ["read"]}],
    "paths": {"/items": {"get": {"operationId": "list_items", "responses": {"200": {"description": "ok"}}}}},
}


def _deployment(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "providers.d").mkdir(exist_ok=True)
    (root / "providers.d" / "tracker.yaml").write_text(TRACKER.format(authorize=AUTHORIZE, token=TOKEN))
    (root / "openapi.json").write_text(json.dumps(OPENAPI))
    config = root / "gestalt.yaml"
    text = GESTALT.format(key="11" * 32, db=root / "gestalt.db", authorize=AUTHORIZE, token=TOKEN)
    config.write_text(text)
    return config


def _line(path: Path, text: str) -> int:
    """The 1-based number of the first line of ``path`` equal to ``text``."""
    return path.read_text().splitlines().index(text) + 1


def _validate(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "validate", "--config", str(config), "--format", "json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("client_ids", ["unset", "set"])
def test_validate_passes_with_or_without_the_client_ids(tmp_path: Path, client_ids: str) -> None:
    config = _deployment(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in UNSET and k != "GESTALT_CONFIG"}
    if client_ids == "set":
        env.update(GITHUB_CLIENT_ID="gh-client", TRACKER_CLIENT_ID="tracker-client")
    r = _validate(config, env)
    assert (r.returncode, json.loads(r.stdout)["errors"]) == (0, []), r.stdout + r.stderr


def test_serve_warns_where_and_start_oauth_says_none_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    config = _deployment(tmp_path)
    try:
        runtime = build_runtime(load_config(config), default_client(Limits(timeout=2.0)))
        logged = capsys.readouterr().out
    finally:
        configure_logging("noop", {})
    assert sorted(runtime.providers) == [
        "github",
        "overridden",
        "public",
        "sibling",
        "spec_oauth",
        "tracker",
        "upstream_mcp",
    ]
    records = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    warned = [r for r in records if r["msg"] == "oauth2 client not configured"]
    assert [r["level"] for r in warned] == ["WARNING"] * 2
    tracker = tmp_path / "providers.d" / "tracker.yaml"
    assert sorted(
        (r["error"], r["at"].rsplit(":", 2)[0], int(r["at"].rsplit(":", 2)[1])) for r in warned
    ) == [
        (MESSAGE.format(name="github", connection="plugin"), str(config), _line(config, "  github:")),
        (MESSAGE.format(name="tracker", connection="work"), str(tracker), _line(tracker, "    work:")),
    ]
    assert not any(r["msg"] == "skipping provider" for r in records)
    with app_client(build_gateway(runtime)) as client:
        listed = {i["name"] for i in client.get("/api/v1/integrations").json()}
        assert {"github", "tracker", "sibling"} <= listed
        for name, status in (("github", 400), ("overridden", 200), ("public", 200), ("spec_oauth", 400)):
            r = client.post("/api/v1/auth/start-oauth", json={"integration": name})
            assert r.status_code == status, (name, r.text)
        r = client.post("/api/v1/auth/start-oauth", json={"integration": "github"})
        assert r.json() == {"error": NO_OAUTH.format(name="github")}
        started = client.post("/api/v1/auth/start-oauth", json={"integration": "overridden"}).json()
        assert "client_id=from-plugin-config" in started["url"]
