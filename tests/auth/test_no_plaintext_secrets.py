"""Session tokens, API tokens and the encryption key never reach the SQLite file (or its WAL) nor
the logs in plaintext, across a full login, token, invoke, revoke and logout cycle."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import GatewayFactory
from tests.support.identity import bearer, idp_redirect, oidc_auth, oidc_login
from tests.support.logs import CollectLogs
from tests.support.oidc_provider import CLIENT_SECRET, OpenIDProvider
from tests.support.upstream import Upstream


@pytest.fixture
def collected() -> Iterator[CollectLogs]:
    handler = CollectLogs()
    loggers = [logging.getLogger(), logging.getLogger("gestalt")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _raw_db(root: Path) -> bytes:
    files = [root / name for name in ("gestalt.db", "gestalt.db-wal", "gestalt.db-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_no_plaintext_tokens_or_key_at_rest_or_in_logs(
    gateway: GatewayFactory,
    idp: OpenIDProvider,
    upstream: Upstream,
    tmp_path: Path,
    collected: CollectLogs,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = secrets.token_hex(32)
    extra = oidc_auth(idp)
    extra["server"]["encryption_key"] = key
    extra["telemetry"] = {"provider": "stdout", "config": {"format": "json", "level": "debug"}}
    providers = {
        "echo": {
            "plugin": {
                "base_url": upstream.url,
                "operations": [{"name": "ping", "method": "GET", "path": "/p"}],
            }
        }
    }
    client = gateway(providers, extra)
    logging.getLogger("gestalt").addHandler(collected)  # bootstrap replaced the handlers

    assert oidc_login(client, idp, "alice@example.com").status_code == 200
    session = client.cookies["session_token"]
    api_token = client.post("/api/v1/tokens", json={"name": "t", "scopes": "echo"}).json()["token"]
    doomed = client.post("/api/v1/tokens", json={"name": "doomed"}).json()
    client.cookies.clear()
    assert client.get("/api/v1/echo/ping", headers=bearer(api_token)).status_code == 200
    assert client.delete(f"/api/v1/tokens/{doomed['id']}", headers=bearer(session)).status_code == 200
    path, params = idp_redirect(client.post("/api/v1/auth/login", json={"state": "x"}).json()["url"])
    assert client.get(path, params={**params, "state": "tampered"}).status_code == 401  # a logged failure
    assert client.post("/api/v1/auth/logout", headers=bearer(session)).status_code == 200

    raw = _raw_db(tmp_path)
    logs = capsys.readouterr().out + "\n".join(collected.lines)
    assert "login failed" in logs  # sanity: the logs were captured
    assert raw and b"alice@example.com" in raw  # sanity: the right file was read
    for secret in (session, api_token, doomed["token"], key, CLIENT_SECRET):
        assert secret.encode() not in raw, secret[:8]
        assert secret not in logs, secret[:8]
    assert bytes.fromhex(key) not in raw
