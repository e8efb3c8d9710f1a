"""Egress through the broker, on the real app: a denied call never reaches the upstream and never
reads its credential (a grant's file secret, a stored credential in the real store); the
decision and its rule are in the audit record; grants reach operations and upstream MCP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from engine.egress.client import RetryPolicy, default_client
from engine.egress.limits import Limits
from engine.surface.runtime import Runtime
from tests.conftest import GatewayFactory
from tests.support.configs import write_config
from tests.support.mcp_upstream import McpUpstream, start_mcp_upstream
from tests.support.upstream import Upstream

Served = tuple[TestClient[Any], Runtime]
Serve = Callable[..., Served]


def operations(base_url: str, **plugin: Any) -> dict[str, Any]:
    ops = [
        {"name": "ping", "method": "GET", "path": "/ping"},
        {
            "name": "admin",
            "method": "GET",
            "path": "/admin/{id}",
            "parameters": [{"name": "id", "in": "path"}],
        },
    ]
    return {"plugin": {"base_url": base_url, "operations": ops, **plugin}}


OPEN = {"connections": {"open": {"mode": "none"}}, "default_connection": "open"}
BEARER = {"auth": {"type": "bearer"}}


@pytest.fixture
def serve(tmp_path: Path, gateway: GatewayFactory) -> Serve:
    def make(providers: dict[str, Any], egress: dict[str, Any], secrets_dir: Path | None = None) -> Served:
        extra: dict[str, Any] = {"egress": egress}
        if secrets_dir is not None:
            extra["secrets"] = {"provider": "file", "config": {"dir": str(secrets_dir)}}
        path = write_config(tmp_path, providers, extra)
        client = gateway.open(path, default_client(Limits(timeout=5.0), RetryPolicy(attempts=1)))
        return client, gateway.runtimes[-1]

    return make


def test_a_denied_call_never_reaches_the_upstream_and_its_rule_is_audited(
    serve: Serve, upstream: Upstream, audit: list[dict[str, Any]]
) -> None:
    egress = {"default_action": "deny", "policies": [{"action": "allow", "path_prefix": "/ping"}]}
    client, _ = serve({"svc": operations(upstream.url, **OPEN)}, egress)
    r = client.get("/api/v1/svc/admin", params={"id": "7"})
    assert (r.status_code, r.json()) == (403, {"error": "egress denied by policy: GET /admin/7"})
    assert upstream.requests == []
    assert client.get("/api/v1/svc/ping").status_code == 200
    keys = ("operation", "status", "egress_decision", "egress_rule", "allowed")
    assert [tuple(a[k] for k in keys) for a in audit] == [
        ("admin", 403, "deny", "egress.default_action", False),
        ("ping", 200, "allow", "egress.policies[0]", True),
    ]


def test_a_denied_call_never_reads_its_grant_secret(serve: Serve, upstream: Upstream, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    egress = {
        "policies": [{"action": "deny", "operation": "admin"}],
        "credentials": [{"secret_ref": "secret://svc-token", "provider": "svc"}],
    }
    client, _ = serve({"svc": operations(upstream.url, **OPEN)}, egress, secrets)
    r = client.get("/api/v1/svc/admin", params={"id": "7"})  # the secret file is absent: not looked at
    assert (r.status_code, r.json()) == (403, {"error": "egress denied by policy: GET /admin/7"})
    r = client.get("/api/v1/svc/ping")
    assert (r.status_code, r.json()) == (
        502,
        {"error": "egress credential unavailable: egress.credentials[0]"},
    )
    assert upstream.requests == []
    (secrets / "svc-token").write_text("granted-1\n")
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert upstream.last().headers["Authorization"] == "Bearer granted-1"


def test_a_denied_call_never_decrypts_its_stored_credential(
    serve: Serve, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    egress = {"policies": [{"action": "deny", "provider": "svc", "operation": "admin"}]}
    client, runtime = serve({"svc": operations(upstream.url, **BEARER)}, egress)
    body = {"integration": "svc", "credential": "stored-token"}
    assert client.post("/api/v1/auth/connect-manual", json=body).status_code == 200
    decrypted: list[str] = []
    assert runtime.cipher is not None
    decrypt = runtime.cipher.decrypt

    def counting(ciphertext: str, *, bound_to: Any) -> str:
        decrypted.append(ciphertext)
        return decrypt(ciphertext, bound_to=bound_to)

    monkeypatch.setattr(runtime.cipher, "decrypt", counting)
    r = client.get("/api/v1/svc/admin", params={"id": "7"})
    assert (r.status_code, decrypted, upstream.requests) == (403, [], [])
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert decrypted != [] and upstream.last().headers["Authorization"] == "Bearer stored-token"


def test_a_host_known_only_from_the_credential_is_checked_before_sending(
    serve: Serve, upstream: Upstream
) -> None:
    host = upstream.url.split("//")[1].split(":")[0]
    plugin = {"auth": {"type": "bearer"}, "params": {"port": {"required": True}}}
    provider = operations(f"http://{host}:{{port}}", **plugin)
    egress = {"policies": [{"action": "deny", "host": f"{host}:{upstream.url.rsplit(':', 1)[1]}"}]}
    client, _ = serve({"svc": provider}, egress)
    port = upstream.url.rsplit(":", 1)[1]
    body = {"integration": "svc", "credential": "t", "connection_params": {"port": port}}
    assert client.post("/api/v1/auth/connect-manual", json=body).status_code == 200
    r = client.get("/api/v1/svc/ping")
    assert (r.status_code, r.json()) == (403, {"error": "egress denied by policy: GET /ping"})
    assert upstream.requests == []


def test_a_call_with_its_own_credential_gets_no_grant(
    serve: Serve, upstream: Upstream, tmp_path: Path
) -> None:
    egress = {"credentials": [{"secret_ref": "secret://absent", "path_prefix": "/"}]}
    client, _ = serve({"svc": operations(upstream.url, **BEARER)}, egress, tmp_path)
    assert client.post(
        "/api/v1/auth/connect-manual", json={"integration": "svc", "credential": "own"}
    ).is_success
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert upstream.last().headers["Authorization"] == "Bearer own"


@pytest.fixture(scope="module")
def upstream_mcp() -> Iterator[McpUpstream]:
    server, stop = start_mcp_upstream()
    yield server
    stop()


def mcp_provider(url: str) -> dict[str, Any]:
    return {"plugin": {"mcp_url": url, "connections": {"open": {"mode": "none"}}, "mcp_connection": "open"}}


def test_upstream_mcp_obeys_the_policy_and_gets_grants(
    serve: Serve, upstream_mcp: McpUpstream, upstream: Upstream, tmp_path: Path
) -> None:
    (tmp_path / "mcp-token").write_text("granted-mcp")
    egress = {
        "policies": [{"action": "deny", "provider": "blocked"}],
        "credentials": [{"secret_ref": "secret://mcp-token", "provider": "tools", "path_prefix": "/mcp"}],
    }
    providers = {"tools": mcp_provider(upstream_mcp.url), "blocked": mcp_provider(upstream.url + "/mcp")}
    client, _ = serve(providers, egress, tmp_path)
    r = client.post("/api/v1/tools/whoami", json={})
    assert r.status_code == 200, r.text
    assert r.json()["content"][0]["text"] == "Bearer granted-mcp"
    r = client.post("/api/v1/blocked/whoami", json={})
    assert (r.status_code, r.json()) == (403, {"error": "egress denied by policy: POST /mcp"})
    assert client.get("/api/v1/integrations/blocked/operations").json() == []
    assert upstream.requests == []


def test_a_dry_run_is_decided_like_a_call_and_reads_no_grant(
    serve: Serve, upstream: Upstream, tmp_path: Path
) -> None:
    egress = {
        "policies": [{"action": "deny", "operation": "admin"}],
        "credentials": [{"secret_ref": "secret://absent", "provider": "svc"}],
    }
    client, _ = serve({"svc": operations(upstream.url, **OPEN)}, egress, tmp_path)
    r = client.get("/api/v1/svc/admin", params={"id": "7", "_dry_run": "1"})
    assert (r.status_code, r.json()) == (403, {"error": "egress denied by policy: GET /admin/7"})
    r = client.get("/api/v1/svc/ping", params={"_dry_run": "1"})
    assert r.status_code == 200, r.text
    assert "Authorization" not in r.json()["request"]["headers"]
    assert upstream.requests == []
