"""The pure translation of a catalogue manifest: every mapping, and nothing dropped silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.catalog.fields import summarised
from engine.catalog.manifest import ManifestError, translate
from engine.config import load


def app(spec: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"kind": "app", "displayName": "Demo", **top, "spec": spec}


REST: dict[str, Any] = {
    "rest": {
        "baseUrl": "https://api.example.com",
        "operations": [
            {"name": "list", "method": "get", "path": "/items", "parameters": [{"name": "n", "type": "int"}]},
            {"name": "make", "method": "POST", "path": "/items", "connection": "bot", "tags": ["x"]},
        ],
    }
}


def losses(manifest: dict[str, Any]) -> dict[str, str]:
    return {loss.path: loss.note for loss in translate(manifest, "demo").losses}


def test_unknown_keys_at_every_depth_are_reported_never_dropped() -> None:
    manifest = app(
        {
            "surfaces": REST,
            "connections": {
                "default": {"auth": {"type": "manual", "shiny": 1}, "extra": True},
                "bot": {"auth": {"type": "bearer"}},
            },
            "future": {"a": 1},
        },
        novelty="x",
    )
    found = losses(manifest)
    assert found["novelty"] == found["spec.future"] == "no equivalent in gestaltd's format"
    assert "spec.connections.default.auth.shiny" in found
    assert "spec.connections.default.extra" in found
    assert found["spec.surfaces.rest.operations[1].tags"] == "operation tags have no equivalent"


def test_rest_surface_connections_and_types() -> None:
    oauth = {
        "type": "oauth2",
        "authorizationUrl": "https://a/authorize",
        "tokenUrl": "https://a/token",
        "pkce": True,
    }
    connections = {"default": {"mode": "subject", "auth": oauth}, "bot": {"auth": {"type": "bearer"}}}
    manifest = app({"surfaces": REST, "connections": connections})
    translation = translate(manifest, "demo")
    plugin = translation.provider["plugin"]
    assert plugin["auth"] == {
        "type": "oauth2",
        "authorization_url": "https://a/authorize",
        "token_url": "https://a/token",
        "pkce": True,
        "client_id": "${DEMO_CLIENT_ID}",
        "client_secret": "${DEMO_CLIENT_SECRET}",
    }
    assert translation.environment == ("DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET")
    assert plugin["connections"] == {"bot": {"auth": {"type": "bearer"}}}
    assert plugin["default_connection"] == "plugin"
    assert plugin["operations"][0] == {
        "name": "list", "method": "GET", "path": "/items", "parameters": [{"name": "n", "type": "integer"}],
    }  # fmt: skip
    assert plugin["operations"][1]["connection"] == "bot"


def test_a_default_connection_whose_mode_the_implicit_one_lacks_stays_named() -> None:
    spec = {"surfaces": REST, "connections": {"default": {"mode": "identity", "auth": {"type": "manual"}}}}
    plugin = translate(app(spec), "demo").provider["plugin"]
    assert plugin["connections"] == {"default": {"mode": "identity", "auth": {"type": "manual"}}}
    assert plugin["default_connection"] == "default" and "auth" not in plugin
    odd = losses(app({"surfaces": REST, "connections": {"default": {"mode": "platform"}}}))
    assert (
        odd["spec.connections.default.mode"]
        == 'mode "platform" has no equivalent: the connection is per user'
    )


def test_auth_mapping_discovery_and_params() -> None:
    auth = {
        "type": "manual",
        "credentials": [{"name": "key", "label": "Key", "helpUrl": "https://h"}],
        "authMapping": {
            "headers": {
                "X-Key": {"valueFrom": {"credentialFieldRef": {"name": "key"}}},
                "X-Static": {"value": "v"},
            },
            "basic": {
                "username": {"valueFrom": {"credentialFieldRef": {"name": "key"}}},
                "password": {"valueFrom": {"credentialFieldRef": {"name": "secret"}}},
            },
        },
    }
    discovery = {"url": "https://d/sites", "idPath": "id", "namePath": "name", "metadata": {"site": "id"}}
    params = {
        "site": {"required": True, "from": "discovery", "description": "Site"},
        "region": {"from": "env"},
    }
    spec = {
        "surfaces": REST,
        "connections": {"default": {"auth": auth, "discovery": discovery, "params": params}},
    }
    translation = translate(app(spec), "demo")
    plugin = translation.provider["plugin"]
    assert plugin["auth"]["credentials"] == [{"name": "key", "label": "Key", "help_url": "https://h"}]
    assert plugin["auth"]["auth_mapping"] == {
        "headers": {"X-Key": "key", "X-Static": "v"},
        "basic": {"username": "key", "password": "secret"},
    }
    assert plugin["discovery"] == {"url": "https://d/sites", "id_path": "id", "label_path": "name",
                                   "params": {"site": "id"}}  # fmt: skip
    assert plugin["params"] == {"site": {"required": True, "description": "Site"}, "region": {}}
    found = {loss.path: loss.note for loss in translation.losses}
    assert set(found) == {
        "spec.connections.default.params.region.from",
        "spec.surfaces.rest.operations[1].tags",
    }


def test_rest_allowed_operations_are_applied_to_the_operation_list() -> None:
    spec = {
        "surfaces": REST,
        "allowedOperations": {"list": {"alias": "items", "paginate": True}, "gone": None},
    }
    translation = translate(app(spec), "demo")
    assert [op["name"] for op in translation.provider["plugin"]["operations"]] == ["items"]
    found = {loss.path: loss.note for loss in translation.losses}
    assert found["spec.allowedOperations.gone"] == "names no REST operation: left out"
    assert "spec.allowedOperations.list.paginate" in found


def test_openapi_surface_pagination_and_managed_parameters() -> None:
    spec = {
        "surfaces": {"openapi": {"document": "specs/api.yaml", "connection": "default"},
                     "graphql": {"url": "https://g/graphql"}},
        "connections": {"default": {"auth": {"type": "bearer"}}},
        "managedParameters": [{"in": "header", "name": "X-Org", "value": "acme"}],
        "pagination": {"style": "cursor", "cursorParam": "after", "cursor": {"path": "next"},
                       "resultsPath": "items", "maxPages": 3},
        "allowedOperations": {"listItems": {"paginate": True, "tags": ["t"]}, "getItem": {}},
    }  # fmt: skip
    translation = translate(app(spec), "demo")
    plugin = translation.provider["plugin"]
    assert (
        plugin["openapi"] == "demo/api.yaml" and ("specs/api.yaml", "demo/api.yaml") in translation.documents
    )
    assert plugin["managed_parameters"] == [{"in": "header", "name": "X-Org", "value": "acme"}]
    assert plugin["response_mapping"] == {
        "data_path": "items", "pagination": {"cursor_param": "after", "cursor_path": "next", "max_pages": 3},
    }  # fmt: skip
    assert plugin["allowed_operations"] == {"listItems": {"paginate": True}, "getItem": None}
    found = {loss.path for loss in translation.losses}
    assert found == {"spec.surfaces.graphql", "spec.allowedOperations.listItems.tags"}


def test_other_pagination_styles_and_rest_only_fields_are_losses() -> None:
    spec = {"surfaces": REST, "pagination": {"style": "offset"}, "managedParameters": [{"in": "header"}]}
    found = losses(app(spec))
    assert found["spec.pagination"].startswith("response mapping and pagination need an OpenAPI")
    assert found["spec.managedParameters"] == "managed parameters need an OpenAPI or GraphQL surface"
    openapi = {"surfaces": {"openapi": {"document": "o.yaml"}}, "pagination": {"style": "keyset"}}
    assert "pagination has no equivalent" in losses(app(openapi))["spec.pagination"]
    paged = {"style": "page", "cursorParam": "page", "limitParam": "per_page", "defaultLimit": 50}
    translated = translate(app({**openapi, "pagination": paged}), "demo").provider["plugin"]
    assert translated["response_mapping"]["pagination"] == {
        "style": "page",
        "cursor_param": "page",
        "limit_param": "per_page",
        "page_size": 50,
    }


def test_a_surface_without_a_connection_among_several() -> None:
    spec = {
        "surfaces": {"openapi": {"document": "o.yaml"}, "mcp": {"url": "https://m/mcp"}},
        "connections": {"Key": {"auth": {"type": "manual"}}, "OAuth": {"auth": {"type": "oauth2"}},
                        "MCP": {"auth": {"type": "mcp_oauth"}}},
    }  # fmt: skip
    translation = translate(app(spec), "demo")
    plugin = translation.provider["plugin"]
    assert (plugin["openapi_connection"], plugin["mcp_connection"], plugin["default_connection"]) == (
        "OAuth", "MCP", "OAuth",
    )  # fmt: skip
    assert summarised(translation.losses) == [
        'spec.surfaces.openapi.connection: no connection named: "OAuth" serves it; Key are chosen per call '
        "with _connection"
    ]


def test_not_an_app() -> None:
    with pytest.raises(ManifestError, match='kind "plugin"'):
        translate({"kind": "plugin", "spec": {}}, "demo")
    with pytest.raises(ManifestError, match="no spec mapping"):
        translate({"kind": "app"}, "demo")
    with pytest.raises(ManifestError, match="not a valid integration name"):
        translate(app({}), "Demo App")


def test_dollars_survive_the_configs_variable_expansion(tmp_path: Path) -> None:
    description = "Costs $5, see ${HOME} and $$"
    surfaces = {
        "rest": {"baseUrl": "https://x", "operations": [{"name": "a", "method": "GET", "path": "/$a"}]}
    }
    translation = translate(app({"surfaces": surfaces}, description=description), "demo")
    (tmp_path / "providers.d").mkdir()
    (tmp_path / "providers.d" / "demo.yaml").write_text(yaml.safe_dump(translation.provider))
    (tmp_path / "gestalt.yaml").write_text("auth: {provider: none}\n")
    spec = load(tmp_path / "gestalt.yaml", env={"HOME": "/root"})
    assert spec.integrations["demo"].description == description
    assert spec.integrations["demo"].plugin.operations[0].path == "/$a"
