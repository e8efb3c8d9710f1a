"""``?_dry_run=1``: the upstream request a call would send, credentials redacted, and the
upstream receives nothing; the same checks as a real call decide the status first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from engine.egress.request import OutboundRequest
from engine.providers.dry_run import REDACTED, Injected, redacted
from tests.conftest import GatewayFactory
from tests.support.oauth_server import AuthServer, connect_through, oauth2_auth
from tests.support.upstream import Upstream

SECRET = "key-PLAINTEXT-42"
BASE_URL = "http://testserver.local"


def keyed(upstream: Upstream, **plugin: Any) -> dict[str, Any]:
    """Two credential fields mapped into a header and a query parameter, a POST with a body."""
    auth = {
        "type": "manual",
        "credentials": [{"name": "api_key"}, {"name": "account"}],
        "auth_mapping": {"headers": {"X-Api-Key": "api_key"}, "query": {"acct": "account"}},
    }
    operations = [
        {"name": "create", "method": "POST", "path": "/items/{kind}", "parameters": [
            {"name": "kind", "type": "string", "required": True},
            {"name": "title", "type": "string", "required": True},
            {"name": "count", "type": "integer"},
            {"name": "echo", "type": "string"},
        ], "headers": {"X-Trace": "{{ params.title }}", "X-Signed": "sig {{ credentials.api_key }}"}},
        {"name": "search", "method": "GET", "path": "/search",
         "parameters": [{"name": "q", "type": "string"}]},
    ]  # fmt: skip
    return {"plugin": {"base_url": upstream.url, "auth": auth, "operations": operations, **plugin}}


def _connected(gateway: GatewayFactory, upstream: Upstream, extra: dict[str, Any] | None = None) -> Any:
    client = gateway({"svc": keyed(upstream)}, extra)
    body = {"integration": "svc", "credentials": {"api_key": SECRET, "account": "acct-PLAINTEXT-7"}}
    assert client.post("/api/v1/auth/connect-manual", json=body).status_code == 200
    return client


def _stable(answer: dict[str, Any], upstream: Upstream) -> dict[str, Any]:
    text = json.dumps(answer).replace(upstream.url, "http://upstream")
    stable: dict[str, Any] = json.loads(text)
    return stable


def test_post_dry_run_renders_the_request_with_credentials_redacted(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    client = _connected(gateway, upstream)
    args = {"kind": "a b", "title": "hi", "count": 2, "echo": f"say {SECRET}"}
    r = client.post("/api/v1/svc/create?_dry_run=1", json=args)
    assert r.status_code == 200, r.text
    assert upstream.requests == []
    assert SECRET not in r.text and "acct-PLAINTEXT-7" not in r.text
    assert _stable(r.json(), upstream) == snapshot


def test_get_dry_run_and_the_real_call_send_the_same_request(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = _connected(gateway, upstream)
    preview = client.get("/api/v1/svc/search", params={"q": "x y", "_dry_run": "1"})
    assert preview.status_code == 200 and upstream.requests == []
    assert client.get("/api/v1/svc/search", params={"q": "x y"}).status_code == 200
    sent = upstream.last()
    request = preview.json()["request"]
    assert request["url"] == f"{upstream.url}{sent.path}?q=x%20y&acct={REDACTED}"
    assert request["headers"]["X-Api-Key"] == REDACTED and sent.headers["X-Api-Key"] == SECRET
    assert preview.json()["egress"] == "allowed"


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/v1/svc/create?_dry_run=1", {"kind": "a"}, 400, 'missing required parameter "title"'),
        ("/api/v1/svc/nope?_dry_run=1", {}, 404, 'operation "nope" not found on integration "svc"'),
        ("/api/v1/svc/search?_dry_run=maybe", {}, 400, "_dry_run must be 1 or 0"),
        ("/api/v1/svc/search?_dry_run=1", {"_connection": "other"}, 400,
         'unknown connection "other" on integration "svc"'),
    ],
)  # fmt: skip
def test_the_same_checks_as_a_real_call(
    gateway: GatewayFactory, upstream: Upstream, path: str, body: dict[str, Any], status: int, message: str
) -> None:
    client = _connected(gateway, upstream)
    r = client.post(path, json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})
    assert upstream.requests == []


def test_not_connected_is_412_and_nothing_is_sent(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"svc": keyed(upstream)})
    r = client.post("/api/v1/svc/search?_dry_run=1", json={})
    assert r.status_code == 412 and upstream.requests == []


def test_the_egress_decision_is_taken(gateway: GatewayFactory, upstream: Upstream) -> None:
    metadata = {"plugin": {"base_url": "http://169.254.169.254", "operations": [
        {"name": "meta", "method": "GET", "path": "/latest/meta-data"}]}}  # fmt: skip
    unresolved = {"plugin": {"base_url": "http://no-such-host.invalid", "operations": [
        {"name": "ping", "method": "GET", "path": "/ping"}]}}  # fmt: skip
    client = gateway({"meta": metadata, "gone": unresolved})
    denied = client.get("/api/v1/meta/meta", params={"_dry_run": "1"})
    reason = "egress denied: 169.254.169.254 is a link-local or cloud metadata address"
    assert (denied.status_code, denied.json()["error"]) == (403, reason)
    gone = client.get("/api/v1/gone/ping", params={"_dry_run": "1"})
    assert gone.status_code == 200 and gone.json()["egress"] == "allowed; the host does not resolve"


def test_an_expired_oauth_token_is_not_refreshed(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    auth_server.expires_in = 1  # due for refresh at once
    ops = [{"name": "ping", "method": "GET", "path": "/ping"}]
    svc = {"plugin": {"base_url": upstream.url, "auth": oauth2_auth(auth_server), "operations": ops}}
    client = gateway({"svc": svc}, {"server": {"encryption_key": "11" * 32, "base_url": BASE_URL}})
    assert connect_through(client, BASE_URL, integration="svc").status_code == 303
    token_requests = len(auth_server.token_requests)
    r = client.get("/api/v1/svc/ping", params={"_dry_run": "1"})
    assert r.status_code == 200
    assert r.json()["request"]["headers"]["Authorization"] == REDACTED
    assert auth_server.refresh_calls == 0 and len(auth_server.token_requests) == token_requests
    assert upstream.requests == []


def test_openapi_paginated_and_graphql_and_upstream_mcp(gateway: GatewayFactory, upstream: Upstream) -> None:
    from tests.web.test_graphql_invoke import provider as graphql_provider

    mcp = {"plugin": {"mcp_url": upstream.url + "/mcp", "auth": {"type": "bearer"},
                      "allowed_operations": {"add": {"alias": "plus"}}}}  # fmt: skip
    client = gateway({"tracker": graphql_provider(upstream), "tools": mcp})
    assert (
        client.post(
            "/api/v1/auth/connect-manual", json={"integration": "tools", "credential": SECRET}
        ).status_code
        == 200
    )
    upstream.requests.clear()  # the GraphQL introspection at startup
    gql = client.post("/api/v1/tracker/issue?_dry_run=1", json={"id": "7"})
    assert gql.status_code == 200, gql.text
    assert gql.json()["request"]["body"]["variables"] == {"id": "7"}
    assert gql.json()["request"]["headers"]["X-Team"] == "t"
    tool = client.post("/api/v1/tools/plus?_dry_run=1", json={"a": 1, "b": 2})
    assert tool.status_code == 200, tool.text
    assert tool.json()["request"]["body"]["params"] == {"name": "add", "arguments": {"a": 1, "b": 2}}
    assert tool.json()["request"]["headers"]["Authorization"] == REDACTED and SECRET not in tool.text
    assert upstream.requests == []


def test_a_python_provider_cannot_preview(gateway: GatewayFactory) -> None:
    client = gateway({"py": {"plugin": {"python": "tests.providers.python_factory:provider"}}})
    r = client.post("/api/v1/py/hello?_dry_run=1", json={})
    assert (r.status_code, r.json()) == (
        400,
        {"error": 'integration "py" cannot preview its requests (a python provider)'},
    )


def test_redaction_by_origin_name_and_value() -> None:
    request = OutboundRequest(
        "POST",
        "https://user:pw@api.example.com/v1/tok-SECRET-9/x?sig=abc&token=tok-SECRET-9",
        {
            "Authorization": "Basic dXNlcjpwdw==",
            "X-Session": "s",
            "X-Plain": "has tok-SECRET-9",
            "Accept": "*/*",
        },
        b'{"note": "tok-SECRET-9 here", "n": 1}',
    )
    shown = redacted(request, {"token": "tok-SECRET-9", "short": "ab"}, Injected(query=["sig"]))
    assert shown == {
        "method": "POST",
        "url": f"https://{REDACTED}@api.example.com/v1/{REDACTED}/x?sig={REDACTED}&token={REDACTED}",
        "headers": {
            "Accept": "*/*",
            "Authorization": REDACTED,
            "X-Plain": f"has {REDACTED}",
            "X-Session": REDACTED,
        },
        "body": f'{{"note": "{REDACTED} here", "n": 1}}',
    }


def test_the_readme_example(gateway: GatewayFactory) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("**Dry run.**", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    documented = json.loads(block)
    notes = {"plugin": {
        "base_url": "https://api.example.com/v1",
        "auth": {"type": "manual", "auth_mapping": {"headers": {"X-Api-Key": "token"}}},
        "operations": [{"name": "create_note", "method": "POST", "path": "/notes",
                        "parameters": [{"name": "title", "type": "string", "required": True}]}],
    }}  # fmt: skip
    client = gateway({"notes": notes})
    assert client.post(
        "/api/v1/auth/connect-manual", json={"integration": "notes", "credential": SECRET}
    ).is_success
    answer = client.post("/api/v1/notes/create_note?_dry_run=1", json={"title": "hi"}).json()
    assert answer.pop("egress") in ("allowed", "allowed; the host does not resolve")  # DNS of this machine
    documented.pop("egress")
    assert answer == documented
