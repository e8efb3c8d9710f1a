"""The deployments under examples/: each validates with the variables it declares, compiles the
operations it promises, and the SQLite ones serve their integrations from a copy in tmp_path."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from litestar.testing import TestClient

from engine.bootstrap import build_gateway, build_runtime, check_config, load_config
from engine.config.expansion import comment_starts
from engine.egress.client import default_client
from tests.support.app_client import app_client
from tests.support.identity import browser_origin

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
NAMES = sorted(p.parent.name for p in EXAMPLES.glob("*/gestalt.yaml"))

KEY = "5e" * 32  # a 64-hex encryption key
PASSWORD = "example-password"

# Harmless values for every variable an example reads (and nothing else it may read).
ENV: dict[str, dict[str, str]] = {
    "compose": {
        "GESTALT_ENCRYPTION_KEY": KEY,
        "GESTALT_LOCAL_PASSWORD": PASSWORD,
        "GESTALT_BASE_URL": "http://localhost:8080",
        "GESTALT_POSTGRES_DSN": "postgresql://gestalt:p@postgres:5432/gestalt",
    },
    "local-auth": {"GESTALT_ENCRYPTION_KEY": KEY, "GESTALT_LOCAL_PASSWORD": PASSWORD},
    "mcp": {"GESTALT_ENCRYPTION_KEY": KEY, "GESTALT_LOCAL_PASSWORD": PASSWORD},
    "oauth2": {
        "GESTALT_ENCRYPTION_KEY": KEY,
        "GITHUB_CLIENT_ID": "example-client-id",
        "GITHUB_CLIENT_SECRET": "example-client-secret",
    },
    "openapi": {"GESTALT_ENCRYPTION_KEY": KEY},
    "postgres": {
        "GESTALT_POSTGRES_DSN": "postgresql://u:p@127.0.0.1:1/db",
        "GESTALT_ENCRYPTION_KEY": KEY,
        "GESTALT_BASE_URL": "https://gestalt.example.com",
        "GESTALT_OIDC_ISSUER_URL": "https://login.example.com",
        "GESTALT_OIDC_CLIENT_ID": "example-client-id",
        "GESTALT_OIDC_CLIENT_SECRET": "example-client-secret",
        "DATADOG_API_KEY": "example-api-key",
        "DATADOG_APP_KEY": "example-app-key",
    },
}
ALL_VARIABLES = {name for env in ENV.values() for name in env}
_OWN = ALL_VARIABLES | {"GESTALT_CONFIG"}  # never inherited from the developer's shell


class Expected(NamedTuple):
    """One integration as GET /api/v1/integrations describes it, and its operations."""

    auth_types: list[str]
    operations: list[str]


EXPECTED: dict[str, dict[str, Expected]] = {
    "compose": {"httpbin": Expected([], ["get_anything", "get_headers", "get_status", "post_anything"])},
    "local-auth": {
        "anthropic": Expected(["manual"], ["create_message", "list_models"]),
        "jira": Expected(["manual"], ["add_comment", "get_issue", "get_myself", "search_issues"]),
    },
    # Upstream MCP tools are listed per caller credential: no operations are known statically.
    "mcp": {"github": Expected(["manual"], []), "linear": Expected(["oauth"], [])},
    "oauth2": {
        "github": Expected(
            ["oauth"], ["create_issue", "get_authenticated_user", "list_issues", "list_my_repositories"]
        )
    },
    "openapi": {"bluesky": Expected([], ["author_feed", "get_profile", "get_thread", "search_accounts"])},
    "postgres": {"datadog": Expected(["manual"], ["get_monitor", "list_monitors", "search_logs"])},
}

_EXPANDED = re.compile(r"\$\$|\$\{([A-Za-z0-9_]+)\}")
_SECRET = re.compile(r"secret://([A-Za-z0-9_.-]+)")


def _datastore(name: str) -> str:
    data = yaml.safe_load((EXAMPLES / name / "gestalt.yaml").read_text(encoding="utf-8"))
    return str((data.get("datastore") or {}).get("provider", "sqlite"))


SQLITE = [name for name in NAMES if _datastore(name) == "sqlite"]


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _variables(example: Path) -> set[str]:
    """Environment variables read through ``${VAR}`` or the env secrets provider, outside comments."""
    found: set[str] = set()
    for path in [example / "gestalt.yaml", *sorted((example / "providers.d").glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        comments = comment_starts(text)
        for number, line in enumerate(text.splitlines(), start=1):
            code = line[: comments.get(number, len(line))]
            found |= {m.group(1) for m in _EXPANDED.finditer(code) if m.group(1)}
            found |= {m.group(1).replace("-", "_").upper() for m in _SECRET.finditer(code)}
    return found


def _isolate(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Exactly this example's variables, whatever the developer's shell has set."""
    for variable in ALL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
        monkeypatch.delenv(f"{variable}_FILE", raising=False)
    for variable, value in ENV[name].items():
        monkeypatch.setenv(variable, value)


def test_every_example_has_its_expectations() -> None:
    assert len(NAMES) >= 4, NAMES
    assert set(NAMES) == set(ENV) == set(EXPECTED)
    assert SQLITE and "postgres" not in SQLITE


@pytest.mark.parametrize("name", NAMES)
def test_example_validates(name: str) -> None:
    config = EXAMPLES / name / "gestalt.yaml"
    before = _files(EXAMPLES / name)
    inherited = {k: v for k, v in os.environ.items() if k.removesuffix("_FILE") not in _OWN}
    r = subprocess.run(
        [sys.executable, "-m", "engine.cli", "validate", "--config", str(config), "--format", "json"],
        cwd=REPO,
        env={**inherited, **ENV[name]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout) == {"valid": True, "errors": []}
    assert _files(EXAMPLES / name) == before  # validate wrote nothing into the example


@pytest.mark.parametrize("name", NAMES)
def test_example_reads_only_the_variables_it_declares(name: str) -> None:
    assert _variables(EXAMPLES / name) == set(ENV[name])
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines()
    rows = [line for line in readme if line.startswith(f"| `{name}/`")]
    assert len(rows) == 1, f"examples/README.md has no single row for {name}/"
    for expected in [f"gestaltd validate --config examples/{name}/gestalt.yaml", *ENV[name]]:
        assert expected in rows[0]


@pytest.mark.parametrize("name", NAMES)
def test_example_compiles_its_operations(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _isolate(monkeypatch, name)
    compiled, issues = check_config(EXAMPLES / name / "gestalt.yaml", default_client())
    assert not issues, issues
    assert compiled is not None
    operations = {n: sorted(p.operations) for n, p in compiled.providers.items()}
    assert operations == {n: e.operations for n, e in EXPECTED[name].items()}


def _serve(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, TestClient[Any]]:
    """A copy of the example in tmp_path (its SQLite file lands there), built as the server builds it."""
    _isolate(monkeypatch, name)
    copy = tmp_path / name
    shutil.copytree(EXAMPLES / name, copy, ignore=shutil.ignore_patterns("*.db", "*.db-*", ".gestalt"))
    runtime = build_runtime(load_config(copy / "gestalt.yaml"), logs=False)
    return copy, app_client(build_gateway(runtime))


def _log_in(client: TestClient[Any], copy: Path) -> None:
    provider = yaml.safe_load((copy / "gestalt.yaml").read_text())["auth"]["provider"]
    browser_origin(client)
    assert client.get("/api/v1/auth/info").json()["provider"] == provider
    if provider == "local":  # the password from the environment is enforced
        assert client.post("/api/v1/auth/login", json={}).status_code == 401
        wrong = client.post("/api/v1/auth/login", json={"password": "wrong"})
        assert wrong.status_code == 401
        assert client.get("/api/v1/integrations").status_code == 401
        r = client.post("/api/v1/auth/login", json={"password": PASSWORD})
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("name", SQLITE)
def test_sqlite_example_serves_its_integrations(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(EXAMPLES / name)
    copy, client = _serve(name, tmp_path, monkeypatch)
    with client:
        _log_in(client, copy)
        r = client.get("/api/v1/integrations")
        assert r.status_code == 200, r.text
        listed = {i["name"]: i for i in r.json()}
        assert sorted(listed) == sorted(EXPECTED[name])
        for integration, expected in EXPECTED[name].items():
            ops = client.get(f"/api/v1/integrations/{integration}/operations")
            assert ops.status_code == 200, ops.text
            assert sorted(op["id"] for op in ops.json()) == expected.operations
            assert listed[integration]["auth_types"] == expected.auth_types
            # Nothing stored yet; nothing to connect means usable at once.
            assert listed[integration]["connected"] is False
            assert listed[integration]["usable_without_connecting"] is (expected.auth_types == [])
    assert (copy / "gestalt.db").is_file()
    assert _files(EXAMPLES / name) == before


def test_oauth2_example_sends_users_to_github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, client = _serve("oauth2", tmp_path, monkeypatch)
    with client:
        r = client.post("/api/v1/auth/start-oauth", json={"integration": "github"})
    assert r.status_code == 200, r.text
    url = urlsplit(r.json()["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://github.com/login/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["client_id"] == ENV["oauth2"]["GITHUB_CLIENT_ID"]
    assert query["redirect_uri"] == "http://localhost:8080/api/v1/auth/callback"
    assert query["scope"] == "repo read:user"


def test_local_auth_example_connects_with_the_documented_bodies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy, client = _serve("local-auth", tmp_path, monkeypatch)
    jira = {"integration": "jira", "credentials": {"username": "me@acme.com", "password": "api-token"}}
    with client:
        _log_in(client, copy)
        r = client.post("/api/v1/auth/connect-manual", json=jira)
        assert (r.status_code, r.json()) == (400, {"error": "missing required connection parameter: site"})
        for body in (
            {**jira, "connection_params": {"site": "acme"}},
            {"integration": "anthropic", "credential": "sk-ant-example"},
        ):
            r = client.post("/api/v1/auth/connect-manual", json=body)
            assert r.status_code == 200, r.text
        listed = client.get("/api/v1/integrations").json()
    assert {i["name"]: i["connected"] for i in listed} == {"anthropic": True, "jira": True}


# ---- the compose topology (examples/compose/): no Docker engine here, so read it as Docker would ----

COMPOSE = EXAMPLES / "compose"
CONFIG_MOUNT = "/etc/gestalt"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((COMPOSE / "compose.yaml").read_text(encoding="utf-8"))
    return data


def _replicas(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("image") == "gestaltd:local"}


_COMPOSE_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)(?::([?-])([^}]*))?\}")
OPERATOR_ENV = {
    "GESTALT_ENCRYPTION_KEY": KEY,
    "GESTALT_LOCAL_PASSWORD": PASSWORD,
    "POSTGRES_PASSWORD": "pg-pass",
}


def _interpolated(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}`` (required)."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        assert operator != "?", f"compose refuses to start: {argument}"
        return argument if operator == "-" else ""

    return _COMPOSE_VARIABLE.sub(one, value)


def test_compose_runs_two_replicas_of_the_image_on_one_postgres() -> None:
    compose = _compose()
    replicas = _replicas(compose)
    assert set(compose["services"]) == {"postgres", "nginx", *replicas} and len(replicas) == 2
    first, second = replicas.values()
    assert first == second  # the same image, config, environment
    dockerfile = COMPOSE / first["build"]["context"] / first["build"]["dockerfile"]
    assert dockerfile.resolve() == REPO / "Dockerfile"
    assert f"./gestalt.yaml:{CONFIG_MOUNT}/gestalt.yaml:ro" in first["volumes"]
    assert f"./providers.d:{CONFIG_MOUNT}/providers.d:ro" in first["volumes"]
    assert set(first["environment"]) == set(ENV["compose"])  # every variable the config reads
    assert first["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    postgres = compose["services"]["postgres"]
    dsn = urlsplit(_interpolated(first["environment"]["GESTALT_POSTGRES_DSN"], OPERATOR_ENV))
    database = {k: _interpolated(v, OPERATOR_ENV) for k, v in postgres["environment"].items()}
    assert (dsn.hostname, dsn.port, dsn.username) == ("postgres", 5432, database["POSTGRES_USER"])
    assert (dsn.password, dsn.path) == (database["POSTGRES_PASSWORD"], "/" + database["POSTGRES_DB"])
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    nginx = compose["services"]["nginx"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"] == {name: {"condition": "service_healthy"} for name in replicas}


def test_the_environment_compose_gives_a_replica_validates_its_config() -> None:
    replica = next(iter(_replicas(_compose()).values()))
    env = {name: _interpolated(value, OPERATOR_ENV) for name, value in replica["environment"].items()}
    inherited = {k: v for k, v in os.environ.items() if k.removesuffix("_FILE") not in _OWN}
    argv = [sys.executable, "-m", "engine.cli", "validate", "--config", str(COMPOSE / "gestalt.yaml")]
    r = subprocess.run(argv, cwd=REPO, env={**inherited, **env}, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    with pytest.raises(AssertionError, match="set GESTALT_ENCRYPTION_KEY"):
        _interpolated(replica["environment"]["GESTALT_ENCRYPTION_KEY"], {})


def _upstream_servers(conf: str) -> list[str]:
    block = re.search(r"upstream gestalt \{(.*?)\}", conf, re.S)
    assert block, "nginx.conf has no upstream gestalt block"
    return re.findall(r"^\s*server\s+(\S+)", block.group(1), re.M)


def test_nginx_balances_over_exactly_the_replicas_on_the_configured_port() -> None:
    port = yaml.safe_load((COMPOSE / "gestalt.yaml").read_text())["server"]["port"]
    conf = (COMPOSE / "nginx.conf").read_text(encoding="utf-8")
    assert sorted(_upstream_servers(conf)) == sorted(f"{name}:{port}" for name in _replicas(_compose()))
    assert re.search(r"location /mcp \{[^}]*proxy_buffering off;", conf)  # MCP's event streams


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        pytest.skip("nginx is not installed")
    # Only the replicas' names change: they resolve inside compose's network, not here.
    conf = (COMPOSE / "nginx.conf").read_text(encoding="utf-8")
    for server in _upstream_servers(conf):
        conf = conf.replace(f" {server} ", f" 127.0.0.1:{server.rpartition(':')[2]} ")
    (tmp_path / "nginx.conf").write_text(conf)
    argv = [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "/dev/stderr"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "test is successful" in r.stderr
