"""Manual connections end to end: connect, listing, connection modes, instances, disconnect,
and one user never reaching another's connections."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from syrupy.assertion import SnapshotAssertion

from tests.conftest import GatewayFactory
from tests.support.identity import bearer, oidc_auth, oidc_login
from tests.support.oauth_server import AuthServer, oauth2_auth
from tests.support.oidc_provider import OpenIDProvider
from tests.support.upstream import Upstream

PING = {"name": "ping", "method": "GET", "path": "/ping"}
X = {"integration": "svc", "credential": "x"}


def bearer_provider(base_url: str, **plugin: Any) -> dict[str, Any]:
    return {"plugin": {"base_url": base_url, "auth": {"type": "bearer"}, "operations": [PING], **plugin}}


def modes_provider(base_url: str) -> dict[str, Any]:
    identity = {"token": "shared-identity-token"}
    return {
        "plugin": {
            "base_url": base_url,
            "auth": {"type": "bearer"},
            "default_connection": "plugin",
            "connections": {
                "shared": {"mode": "identity", "auth": {"type": "bearer"}, "identity": identity},
                "mixed": {"mode": "either", "auth": {"type": "bearer"}, "identity": identity},
                "open": {"mode": "none"},
            },
            "operations": [
                PING,
                {**PING, "name": "shared_ping", "connection": "shared"},
                {**PING, "name": "mixed_ping", "connection": "mixed"},
                {**PING, "name": "open_ping", "connection": "open"},
            ],
        }
    }


def connect(client: TestClient[Any], credential: str = "user-token-1", **body: Any) -> Any:
    r = client.post(
        "/api/v1/auth/connect-manual", json={"integration": "svc", "credential": credential, **body}
    )
    assert r.status_code == 200, r.text
    return r.json()


def sent_auth(upstream: Upstream) -> str | None:
    return upstream.last().headers.get("Authorization")


def test_connect_manual_then_invoke_with_the_stored_token(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = gateway({"svc": bearer_provider(upstream.url)})
    r = client.get("/api/v1/svc/ping")
    message = (
        'no token stored for integration "svc"; connect it first (auth type bearer): '
        'POST /api/v1/auth/connect-manual {"integration": "svc", "credential": "..."}'
    )
    assert (r.status_code, r.json()) == (412, {"error": message})
    assert connect(client) == {"status": "connected", "integration": "svc"}
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert sent_auth(upstream) == "Bearer user-token-1"
    connect(client, "user-token-2")  # reconnecting replaces the credential
    client.get("/api/v1/svc/ping")
    assert sent_auth(upstream) == "Bearer user-token-2"


def test_not_connected_says_how_to_connect(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    fields = {"type": "manual", "credentials": [{"name": "api_key"}, {"name": "app_key"}]}
    providers = {
        "svc": bearer_provider(upstream.url, connections={"team": {"auth": fields}}, operations=[
            {**PING, "connection": "team"}], default_connection="plugin"),
        "gh": {"plugin": {"base_url": upstream.url, "auth": oauth2_auth(auth_server), "operations": [PING]}},
        "jira": {"plugin": {"base_url": upstream.url, "auth": {"type": "basic"}, "operations": [PING]}},
        "shared": bearer_provider(upstream.url, default_connection="team", connections={
            "team": {"mode": "identity", "auth": {"type": "bearer"}}}),
    }  # fmt: skip
    client = gateway(providers)
    r = client.get("/api/v1/svc/ping")
    how = 'POST /api/v1/auth/connect-manual {"integration": "svc", "connection": "team", '
    how += '"credentials": {"api_key": "...", "app_key": "..."}}'
    message = f'no token stored for integration "svc"; connect it first (auth type manual): {how}'
    assert (r.status_code, r.json()) == (412, {"error": message})
    r = client.get("/api/v1/jira/ping")
    assert r.json()["error"].endswith(
        '(auth type basic): POST /api/v1/auth/connect-manual {"integration": "jira", '
        '"credentials": {"username": "...", "password": "..."}}'
    )
    r = client.get("/api/v1/gh/ping")  # the reference's message, exactly
    assert r.json() == {"error": 'no token stored for integration "gh"; connect via OAuth first'}
    r = client.get("/api/v1/shared/ping")
    message = 'no token stored for integration "shared"; its shared identity credential is not configured'
    assert (r.status_code, r.json()) == (412, {"error": message})


def test_multi_field_credential_sends_exactly_the_mapped_headers(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    auth = {
        "type": "manual",
        "credentials": [{"name": "api_key", "label": "API Key"}, {"name": "app_key"}],
        "auth_mapping": {"headers": {"X-Api-Key": "api_key", "X-App-Key": "app={{ credentials.app_key }}"}},
    }
    client = gateway({"svc": {"plugin": {"base_url": upstream.url, "auth": auth, "operations": [PING]}}})
    connect(client, "", credentials={"api_key": "secret-api-1", "app_key": "secret-app-2"})
    assert client.get("/api/v1/svc/ping").status_code == 200
    sent = upstream.last()
    assert (sent.headers["X-Api-Key"], sent.headers["X-App-Key"]) == ("secret-api-1", "app=secret-app-2")
    others = {k: v for k, v in sent.headers.items() if k not in ("X-Api-Key", "X-App-Key")}
    assert not any("secret-" in v for v in others.values())
    assert "secret-" not in sent.path + str(sent.query)
    assert sent.snapshot(redact=("authorization", "x-api-key", "x-app-key")) == snapshot


def test_connection_modes(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"svc": modes_provider(upstream.url)})
    assert client.get("/api/v1/svc/open_ping").status_code == 200
    assert sent_auth(upstream) is None
    assert client.get("/api/v1/svc/shared_ping").status_code == 200
    assert sent_auth(upstream) == "Bearer shared-identity-token"
    assert client.get("/api/v1/svc/mixed_ping").status_code == 200
    assert sent_auth(upstream) == "Bearer shared-identity-token"
    assert client.get("/api/v1/svc/ping").status_code == 412
    connect(client, "mine", connection="mixed")
    assert client.get("/api/v1/svc/mixed_ping").status_code == 200
    assert sent_auth(upstream) == "Bearer mine"
    assert client.get("/api/v1/svc/ping").status_code == 412  # the plugin connection is separate
    connect(client, "mine-too", connection="shared")
    client.get("/api/v1/svc/shared_ping")
    assert sent_auth(upstream) == "Bearer shared-identity-token"  # identity never uses the user's
    client.get("/api/v1/svc/ping", params={"_connection": "mixed"})
    assert sent_auth(upstream) == "Bearer mine"


def test_instances_ambiguity_and_selection(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"svc": bearer_provider(upstream.url)})
    connect(client, "token-a", instance="a")
    assert client.get("/api/v1/svc/ping").status_code == 200
    connect(client, "token-b", instance="b")
    r = client.get("/api/v1/svc/ping")
    message = 'ambiguous instance: integration "svc" has 2 connections ([a b]); specify which instance to use'
    assert (r.status_code, r.json()) == (409, {"error": message})
    assert client.get("/api/v1/svc/ping", params={"_instance": "b"}).status_code == 200
    assert sent_auth(upstream) == "Bearer token-b"
    assert client.get("/api/v1/svc/ping", params={"_instance": "zz"}).status_code == 412
    listed = client.get("/api/v1/integrations").json()[0]
    assert listed["connected"] is True
    assert listed["instances"] == [
        {"name": "a", "connection": "plugin"},
        {"name": "b", "connection": "plugin"},
    ]


def test_listing_shape(gateway: GatewayFactory, upstream: Upstream) -> None:
    params = {"site": {"required": True, "description": "Site"}, "region": {"default": "eu"}}
    client = gateway({"svc": bearer_provider(upstream.url, params=params)})
    entry = client.get("/api/v1/integrations").json()[0]
    assert entry == {
        "name": "svc",
        "display_name": "svc",
        "connected": False,
        "usable_without_connecting": False,
        "auth_types": ["manual"],
        "connection_params": {"site": {"required": True, "description": "Site"}, "region": {"default": "eu"}},
        "connections": [{"name": "plugin", "auth_types": ["manual"]}],
    }
    connect(client, connection_params={"site": "acme"})
    assert client.get("/api/v1/integrations").json()[0]["connected"] is True


def test_connected_means_a_stored_credential_and_usable_says_none_is_needed(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    """The reference's ``connected``: the caller has a stored credential; nothing else."""
    identity = {"token": "shared"}
    providers = {
        "open": {"plugin": {"base_url": upstream.url, "operations": [PING]}},
        "shared": bearer_provider(upstream.url, connections={
            "team": {"mode": "identity", "auth": {"type": "bearer"}, "identity": identity}},
            default_connection="team"),
        "mixed": bearer_provider(upstream.url, connections={
            "team": {"mode": "either", "auth": {"type": "bearer"}, "identity": identity}},
            default_connection="team"),
        "svc": bearer_provider(upstream.url),
    }  # fmt: skip
    client = gateway(providers)

    def flags() -> dict[str, tuple[bool, bool]]:
        listed = client.get("/api/v1/integrations").json()
        return {i["name"]: (i["connected"], i["usable_without_connecting"]) for i in listed}

    assert flags() == {
        "mixed": (False, True), "open": (False, True), "shared": (False, True), "svc": (False, False)
    }  # fmt: skip
    connect(client)
    connect(client, integration="mixed", connection="team")
    assert flags() == {
        "mixed": (True, True), "open": (False, True), "shared": (False, True), "svc": (True, False)
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"integration": "svc"}, 400, "integration and credential are required"),
        ({"credential": "x"}, 400, "integration and credential are required"),
        ({"integration": "ghost", "credential": "x"}, 404, 'integration "ghost" not found'),
        ({"integration": "svc", "credentials": {"a": ""}}, 400, 'credential "a" must not be empty'),
        ({**X, "instance": "a b"}, 400, "instance name contains invalid characters"),
        ({**X, "connection": "a/b"}, 400, "connection name contains invalid characters"),
        (
            {"integration": "svc", "credential": "x", "connection_params": {"nope": "1"}},
            400,
            "unknown connection parameter: nope",
        ),
        (
            {"integration": "svc", "credential": "x", "connection_params": {"site": "a b"}},
            400,
            'connection parameter "site" contains invalid characters '
            "(allowed: letters, digits, hyphens, dots, underscores)",
        ),
        ({"integration": "svc", "credential": "x"}, 400, "missing required connection parameter: site"),
        ({"integration": "open", "credential": "x"}, 400,
         'integration "open" does not support manual auth; use OAuth connect instead'),
    ],
)  # fmt: skip
def test_connect_manual_validation(
    gateway: GatewayFactory, upstream: Upstream, body: dict[str, Any], status: int, message: str
) -> None:
    providers = {
        "svc": bearer_provider(upstream.url, params={"site": {"required": True}}),
        "open": {"plugin": {"base_url": upstream.url, "operations": [PING]}},
    }
    client = gateway(providers)
    r = client.post("/api/v1/auth/connect-manual", json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})


MULTI = {"type": "manual", "credentials": [{"name": "api_key"}, {"name": "app_key"}]}
ONE = {
    "type": "manual",
    "credentials": [{"name": "api_key"}],
    "auth_mapping": {"headers": {"X-Key": "api_key"}},
}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"credentials": {"api_key": "a"}}, "missing credential field: app_key"),
        ({"credential": "a"}, 'missing credential fields: api_key, app_key (send them in "credentials")'),
        ({"credentials": {"api_key": "a", "app_key": "b", "region": "eu"}},
         "unknown credential field: region (declared: api_key, app_key)"),
        ({"credentials": {"api_key": "a", "appkey": "b"}},
         'unknown credential field: appkey (did you mean "app_key"?); missing credential field: app_key'),
        ({"credentials": {"API_KEY": "a", "app_key": "b"}},
         'unknown credential field: API_KEY (did you mean "api_key"?); missing credential field: api_key'),
    ],
)  # fmt: skip
def test_connect_manual_checks_the_declared_credential_fields(
    gateway: GatewayFactory, upstream: Upstream, body: dict[str, Any], message: str
) -> None:
    client = gateway({"svc": {"plugin": {"base_url": upstream.url, "auth": MULTI, "operations": [PING]}}})
    r = client.post("/api/v1/auth/connect-manual", json={"integration": "svc", **body})
    assert (r.status_code, r.json()) == (400, {"error": message})
    assert client.get("/api/v1/integrations").json()[0]["connected"] is False


def test_one_declared_field_may_come_as_the_single_credential(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = gateway({"svc": {"plugin": {"base_url": upstream.url, "auth": ONE, "operations": [PING]}}})
    for credential, fields in (("k1", None), ("", {"api_key": "k2"})):
        connect(client, credential, credentials=fields)
        assert client.get("/api/v1/svc/ping").status_code == 200
        assert upstream.last().headers["X-Key"] == (credential or "k2")


def test_disconnect(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"svc": bearer_provider(upstream.url)})
    r = client.delete("/api/v1/integrations/svc")
    assert (r.status_code, r.json()) == (404, {"error": 'no connection found for integration "svc"'})
    assert client.delete("/api/v1/integrations/ghost").status_code == 404
    connect(client, instance="a")
    connect(client, instance="b")
    r = client.delete("/api/v1/integrations/svc")
    message = 'multiple connections exist for "svc" ([_plugin/a _plugin/b]); specify ?instance=NAME'
    assert (r.status_code, r.json()) == (409, {"error": message})
    r = client.delete("/api/v1/integrations/svc", params={"instance": "c"})
    assert r.json() == {"error": 'no connection found for integration "svc" instance "c"'}
    r = client.delete("/api/v1/integrations/svc", params={"instance": "a", "connection": "plugin"})
    assert (r.status_code, r.json()) == (200, {"status": "disconnected"})
    assert client.get("/api/v1/integrations").json()[0]["instances"] == [
        {"name": "b", "connection": "plugin"}
    ]
    assert client.delete("/api/v1/integrations/svc").status_code == 200
    assert client.get("/api/v1/integrations").json()[0]["connected"] is False


def test_users_never_reach_each_others_connections(
    gateway: GatewayFactory, idp: OpenIDProvider, upstream: Upstream
) -> None:
    client = gateway({"svc": bearer_provider(upstream.url)}, oidc_auth(idp))
    assert oidc_login(client, idp, "alice@example.com").status_code == 200
    alice = bearer(client.cookies["session_token"])
    client.cookies.clear()
    assert oidc_login(client, idp, "bob@example.com").status_code == 200
    bob = bearer(client.cookies["session_token"])
    client.cookies.clear()
    r = client.post(
        "/api/v1/auth/connect-manual",
        json={"integration": "svc", "credential": "alice-secret"},
        headers=alice,
    )
    assert r.status_code == 200
    listed = client.get("/api/v1/integrations", headers=bob).json()[0]
    assert listed["connected"] is False and "instances" not in listed
    assert "alice-secret" not in client.get("/api/v1/integrations", headers=alice).text
    for params in ({}, {"_instance": "default"}, {"_connection": "plugin"}):
        assert client.get("/api/v1/svc/ping", params=params, headers=bob).status_code == 412
    for params in ({}, {"instance": "default"}):
        assert client.delete("/api/v1/integrations/svc", params=params, headers=bob).status_code == 404
    assert client.get("/api/v1/svc/ping", headers=alice).status_code == 200
    assert sent_auth(upstream) == "Bearer alice-secret"
    anonymous = client.post("/api/v1/auth/connect-manual", json={"integration": "svc", "credential": "x"})
    assert anonymous.status_code == 401


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_from_named_credential_fields(gateway: GatewayFactory, upstream: Upstream) -> None:
    fields = [{"name": "email"}, {"name": "api_token"}]
    mapped = {
        "type": "basic",
        "credentials": fields,
        "auth_mapping": {"basic": {"username": "email", "password": "api_token"}},
    }
    zendesk = {
        "type": "manual",
        "credentials": fields,  # the catalogue's shape: user "<email>/token"
        "auth_mapping": {"basic": {"username": "{{ credentials.email }}/token", "password": "api_token"}},
    }
    key_only = {
        "type": "basic",
        "credentials": [{"name": "key"}],
        "auth_mapping": {"basic": {"username": "key"}},
    }
    client = gateway({
        name: {"plugin": {"base_url": upstream.url, "auth": auth, "operations": [PING]}}
        for name, auth in (("mapped", mapped), ("zendesk", zendesk), ("keyed", key_only))
    })  # fmt: skip
    credentials = {"email": "a@example.com", "api_token": "t-1"}
    for name in ("mapped", "zendesk"):
        body = {"integration": name, "credentials": credentials}
        assert client.post("/api/v1/auth/connect-manual", json=body).status_code == 200
    assert client.post(
        "/api/v1/auth/connect-manual", json={"integration": "keyed", "credential": "k"}
    ).is_success
    for name, expected in (
        ("mapped", _basic("a@example.com", "t-1")),
        ("zendesk", _basic("a@example.com/token", "t-1")),
        ("keyed", _basic("k", "")),
    ):
        assert client.get(f"/api/v1/{name}/ping").status_code == 200
        assert (upstream.last().path, sent_auth(upstream)) == ("/ping", expected)
