"""OpenAPI compilation on small documents: one concern per test, plain asserts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from engine.compiler.openapi import OpenAPIInfo, compile_openapi
from engine.config.build_plugin import build_auth
from engine.config.spec import (
    AllowedOperationSpec,
    ConnectionSpec,
    IntegrationSpec,
    ManagedParameterSpec,
    PluginSpec,
)
from engine.documents.reader import Documents
from engine.documents.sources import read_sources
from engine.providers.render import render_request

RECURSIVE = """
openapi: 3.0.3
info: {title: Tree, version: 2026-03-11}
servers: [{url: "https://{region}.example.com/api/", variables: {region: {default: eu}}}]
paths:
  /nodes/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post:
      operationId: putNode
      parameters: [{name: id, in: query, schema: {type: integer}}]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Node'}}}
components:
  schemas:
    Node:
      type: object
      required: [name]
      properties:
        id: {type: string}
        name: {type: string, example: 2024-01-01}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
        parent: {$ref: '#/components/schemas/Node'}
"""

SWAGGER = """
swagger: "2.0"
info: {title: Old, version: "1"}
host: old.example.com
basePath: /v2
schemes: [https]
securityDefinitions: {basic: {type: basic}}
paths:
  /pets:
    get:
      parameters: [{name: limit, in: query, type: integer}]
    post:
      operationId: addPet
      parameters: [{name: pet, in: body, schema: {type: object, properties: {name: {type: string}}}}]
  /upload:
    post:
      operationId: upload
      parameters: [{name: file, in: formData, type: file, required: true}]
"""


def compile_doc(tmp_path: Path, text: str, **plugin: Any) -> OpenAPIInfo:
    doc = tmp_path / "openapi.yaml"
    doc.write_text(text)
    spec = IntegrationSpec("t", PluginSpec(openapi=str(doc), **plugin))
    provider, issues = compile_openapi(spec, read_sources([spec], tmp_path / "gestalt.yaml"))
    assert not issues, issues
    assert provider is not None
    return provider


def refs_in(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(refs_in(v) for v in node.values())
    return isinstance(node, list) and any(refs_in(v) for v in node)


def test_recursive_refs_terminate_with_ref_free_valid_schemas(tmp_path: Path) -> None:
    op = compile_doc(tmp_path, RECURSIVE).operations["putNode"]
    schema = op.input_schema
    assert schema is not None and not refs_in(schema)
    Draft202012Validator.check_schema(schema)
    assert len(json.dumps(schema)) < 20_000
    assert [(p.name, p.location, p.key) for p in op.parameters] == [
        ("id", "path", "id"),
        ("query_id", "query", "id"),
        ("body_id", "body", "id"),
        ("name", "body", "name"),
        ("children", "body", "children"),
        ("parent", "body", "parent"),
    ]
    assert schema["properties"]["name"]["type"] == "string"


def test_server_variables_default_and_connection_params(tmp_path: Path) -> None:
    provider = compile_doc(tmp_path, RECURSIVE)
    op = provider.operations["putNode"]
    assert op.request.base_url == "https://{region}.example.com/api"
    assert provider.server_defaults == {"region": "eu"}
    params = {"id": "n1", "name": "x"}
    url = render_request(op.request, params, {**provider.server_defaults, "region": "us"}).url
    assert url == "https://us.example.com/api/nodes/n1"


def test_yaml_dates_stay_strings(tmp_path: Path) -> None:
    compile_doc(tmp_path, RECURSIVE)
    doc = Documents(tmp_path / "gestalt.yaml")
    parsed = doc.parse((tmp_path / "openapi.yaml").read_bytes())
    assert parsed["info"]["version"] == "2026-03-11"


def test_swagger_2(tmp_path: Path) -> None:
    provider = compile_doc(tmp_path, SWAGGER)
    assert sorted(provider.operations) == ["addPet", "get_pets", "upload"]
    add = provider.operations["addPet"]
    assert add.request.base_url == "https://old.example.com/v2"
    assert [(p.name, p.location) for p in add.parameters] == [("name", "body")]
    upload = provider.operations["upload"]
    assert [(p.name, p.type, p.required, p.style) for p in upload.parameters] == [
        ("file", "object", True, "file")  # a multipart file part: base64 content or a url
    ]
    assert (upload.request.body_format, add.request.body_format) == ("multipart", "json")
    assert provider.connections["plugin"].auth.type == "basic"


def test_managed_parameters_rewrite_paths_and_hide_params(tmp_path: Path) -> None:
    managed = (ManagedParameterSpec("path", "id", "me"),)
    op = compile_doc(tmp_path, RECURSIVE, managed_parameters=managed).operations["putNode"]
    assert op.path == "/nodes/me"
    assert "id" not in op.by_name


def test_allowed_operations_alias_and_unknown_names(tmp_path: Path) -> None:
    allowed = {"putNode": AllowedOperationSpec(alias="put_node", description="Put")}
    provider = compile_doc(tmp_path, RECURSIVE, allowed_operations=allowed)
    assert [(o.name, o.description) for o in provider.operations.values()] == [("put_node", "Put")]
    doc = tmp_path / "openapi.yaml"
    spec = IntegrationSpec(
        "t", PluginSpec(openapi=str(doc), allowed_operations={"nope": AllowedOperationSpec()})
    )
    result, issues = compile_openapi(spec, read_sources([spec], tmp_path / "gestalt.yaml"))
    assert result is None and "unknown operations: 'nope'" in issues[0].message


def test_unreadable_document_is_an_issue(tmp_path: Path) -> None:
    spec = IntegrationSpec("t", PluginSpec(openapi=str(tmp_path / "missing.yaml")))
    provider, issues = compile_openapi(spec, read_sources([spec], tmp_path / "gestalt.yaml"))
    assert provider is None and "missing.yaml" in issues[0].message


OAUTH_DOC = """
openapi: 3.0.3
info: {title: Tasks, version: "1"}
servers: [{url: "https://tasks.example.com"}]
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://login.example.com/authorize
          tokenUrl: https://login.example.com/token
          scopes: {tasks.read: read, tasks.write: write}
security: [{oauth: [tasks.read]}]
paths:
  /tasks: {get: {operationId: listTasks, responses: {"200": {description: ok}}}}
"""


def test_an_auth_block_without_a_type_takes_the_documents_scheme_and_keeps_its_client(
    tmp_path: Path,
) -> None:
    """Reference engine.md §10.4: an auth block naming no type on the API surface's connection falls
    back to the document's oauth2 scheme, with the block's client id, secret and redirect URL."""
    client = {"client_id": "tasks-client", "client_secret": "s3cret", "redirect_url": "https://gw.test/cb"}
    for plugin in (
        {"auth": build_auth(client)},
        {
            "connections": {"work": ConnectionSpec(name="work", auth=build_auth(client))},
            "openapi_connection": "work",
        },
    ):
        provider = compile_doc(tmp_path, OAUTH_DOC, **plugin)
        auth = provider.connections["work" if "connections" in plugin else "plugin"].auth
        assert (auth.type, auth.authorization_url, auth.token_url) == (
            "oauth2",
            "https://login.example.com/authorize",
            "https://login.example.com/token",
        )
        assert (auth.client_id, auth.client_secret, auth.redirect_url) == (
            "tasks-client",
            "s3cret",
            "https://gw.test/cb",
        )
        assert auth.scopes == ("tasks.read", "tasks.write")
    # `type: none` written on the implicit connection still means no auth.
    none = compile_doc(tmp_path, OAUTH_DOC, auth=build_auth({"type": "none", **client}))
    assert none.connections["plugin"].auth.type == "none"
