"""Request bodies as declared: forms, multipart (file parts from base64 or a fetched URL), text and
file bodies, the JSON media type preferred; what a real loopback upstream receives is asserted."""

from __future__ import annotations

import base64
import email.parser
import email.policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from syrupy.assertion import SnapshotAssertion

from engine.providers import files
from tests.conftest import GatewayFactory
from tests.support.readme import readme_yaml
from tests.support.upstream import Recorded, Upstream
from tests.support.validate import validate_plugin

PNG = b"\x89PNG\r\n\x1a\n fake image bytes"


def parts(sent: Recorded) -> list[dict[str, Any]]:
    """The multipart body as (name, filename, content type, bytes) per part, boundary checked."""
    content_type = sent.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + sent.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    return [
        {
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_filename(),
            "content_type": part.get("Content-Type"),
            "body": part.get_payload(decode=True),
        }
        for part in message.iter_parts()
    ]


OBJ = {"type": "object", "properties": {"a": {"type": "integer"}}}
STR_ARRAY = {"type": "array", "items": {"type": "string"}}
BINARY = {"type": "string", "format": "binary"}


def document(server: str) -> dict[str, Any]:
    form = {
        "type": "object",
        "required": ["grant_type"],
        "properties": {"grant_type": {"type": "string"}, "scope": STR_ARRAY, "meta": OBJ, "ids": STR_ARRAY},
    }
    upload = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "tags": STR_ARRAY,
            "meta": OBJ,
            "file": {"type": "string", "format": "binary"},
            "attachments": {"type": "array", "items": {"type": "string", "contentMediaType": "image/png"}},
        },
    }
    content_type = {"name": "Content-Type", "in": "header", "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bodies", "version": "1"},
        "servers": [{"url": server}],
        "paths": {
            "/token": {"post": {"operationId": "token", "parameters": [content_type], "requestBody": {
                "content": {"application/x-www-form-urlencoded": {
                    "schema": form, "encoding": {"ids": {"style": "form", "explode": False}}}}}}},
            "/upload": {"post": {"operationId": "upload", "requestBody": {
                "content": {"multipart/form-data": {"schema": upload}}}}},
            "/both": {"post": {"operationId": "both", "requestBody": {"content": {
                "multipart/form-data": {"schema": form}, "application/vnd.api+json": {"schema": form}}}}},
            "/note": {"put": {"operationId": "note", "requestBody": {
                "content": {"text/markdown": {"schema": {"type": "string"}}}}}},
            "/blob": {"put": {"operationId": "blob", "requestBody": {
                "content": {"application/octet-stream": {"schema": BINARY}}}}},
        },
    }  # fmt: skip


@pytest.fixture
def client(gateway: GatewayFactory, upstream: Upstream) -> Any:
    upstream.reply("/openapi.json", body=document(upstream.url))
    upstream.reply("/files/logo.png", body=PNG, headers={"Content-Type": "image/png"})
    return gateway({"bodies": {"plugin": {"openapi": upstream.url + "/openapi.json"}}})


def test_a_form_body_is_sent_as_a_form(client: Any, upstream: Upstream) -> None:
    ops = {o["id"]: o for o in client.get("/api/v1/integrations/bodies/operations").json()}
    assert [p["name"] for p in ops["token"]["parameters"]] == ["grant_type", "scope", "meta", "ids"]
    args = {"grant_type": "client credentials", "scope": ["a", "b"], "meta": {"a": 1}, "ids": ["1", "2"]}
    assert client.post("/api/v1/bodies/token", json=args).status_code == 200
    sent = upstream.last()
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.body == b"grant_type=client%20credentials&scope=a&scope=b&meta=%7B%22a%22%3A1%7D&ids=1,2"
    assert parse_qsl(sent.body.decode()) == [
        ("grant_type", "client credentials"),
        ("scope", "a"),
        ("scope", "b"),
        ("meta", '{"a":1}'),
        ("ids", "1,2"),
    ]


def test_multipart_with_base64_and_fetched_files(
    client: Any, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    args = {
        "title": "Q3",
        "tags": ["x", "y"],
        "meta": {"a": 1},
        "file": {
            "content": base64.b64encode(PNG).decode(),
            "filename": "chart.png",
            "content_type": "image/png",
        },
        "attachments": [{"url": upstream.url + "/files/logo.png"}],
    }
    r = client.post("/api/v1/bodies/upload", json=args)
    assert r.status_code == 200, r.text
    fetched, sent = upstream.requests[-2:]
    assert (fetched.method, fetched.path) == ("GET", "/files/logo.png")
    assert (sent.method, sent.path) == ("POST", "/upload")
    assert parts(sent) == [
        {"name": "title", "filename": None, "content_type": None, "body": b"Q3"},
        {"name": "tags", "filename": None, "content_type": None, "body": b"x"},
        {"name": "tags", "filename": None, "content_type": None, "body": b"y"},
        {"name": "meta", "filename": None, "content_type": "application/json", "body": b'{"a":1}'},
        {"name": "file", "filename": "chart.png", "content_type": "image/png", "body": PNG},
        {"name": "attachments", "filename": "logo.png", "content_type": "image/png", "body": PNG},
    ]
    assert parts(sent) == snapshot


def test_json_is_preferred_and_text_and_file_bodies_keep_their_types(client: Any, upstream: Upstream) -> None:
    assert client.post("/api/v1/bodies/both", json={"grant_type": "g"}).status_code == 200
    sent = upstream.last()
    assert (sent.headers["Content-Type"], sent.json()) == ("application/vnd.api+json", {"grant_type": "g"})
    assert client.post("/api/v1/bodies/note", json={"body": "# Title\n"}).status_code == 200
    assert (upstream.last().headers["Content-Type"], upstream.last().body) == ("text/markdown", b"# Title\n")
    blob = {"body": {"content": base64.b64encode(PNG).decode()}}
    assert client.post("/api/v1/bodies/blob", json=blob).status_code == 200
    assert (upstream.last().headers["Content-Type"], upstream.last().body) == (
        "application/octet-stream",
        PNG,
    )


def test_bad_file_values_are_400s_naming_the_parameter(
    client: Any, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [
        ({"content": "not base64!"}, 'parameter "file": content is not valid base64'),
        ({"filename": "a"}, 'parameter "file" must be a file: {"content": <base64>} or {"url": ...}'),
        ({"url": "ftp://x/y"}, 'parameter "file": url must be an http(s) URL'),
        ({"url": upstream.url + "/missing.png"}, 'parameter "file": its url answered HTTP 404'),
    ]
    upstream.reply("/missing.png", status=404, body={})
    for value, message in cases:
        r = client.post("/api/v1/bodies/upload", json={"file": value})
        assert (r.status_code, r.json()) == (400, {"error": message})
    monkeypatch.setattr(files, "MAX_FILE", 8)  # the bound, small enough to cross in a test
    r = client.post("/api/v1/bodies/upload", json={"file": {"url": upstream.url + "/files/logo.png"}})
    assert r.json() == {"error": 'parameter "file": the file at its url is larger than 20 MiB'}
    assert not any(req.path == "/upload" for req in upstream.requests)


def test_the_readme_multipart_operation(gateway: GatewayFactory, upstream: Upstream) -> None:
    operation = readme_yaml("content_type: multipart/form-data")[0]
    client = gateway({"notes": {"plugin": {"base_url": upstream.url, "operations": [operation]}}})
    file = {"content": base64.b64encode(b"hello").decode(), "filename": "a.txt"}
    r = client.post("/api/v1/notes/upload_attachment", json={"note_id": "7", "caption": "hi", "file": file})
    assert r.status_code == 200, r.text
    assert upstream.last().path == "/notes/7/attachments"
    assert parts(upstream.last()) == [
        {"name": "caption", "filename": None, "content_type": None, "body": b"hi"},
        {"name": "file", "filename": "a.txt", "content_type": "application/octet-stream", "body": b"hello"},
    ]


def test_a_dry_run_names_a_file_url_without_fetching_it(client: Any, upstream: Upstream) -> None:
    before = len(upstream.requests)
    url = upstream.url + "/files/logo.png"
    r = client.post("/api/v1/bodies/upload?_dry_run=1", json={"file": {"url": url}})
    assert r.status_code == 200, r.text
    assert f"<the bytes at {url}>" in r.json()["request"]["body"]
    assert len(upstream.requests) == before


def test_inline_bodies_that_cannot_be_sent_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = [
        {"name": "a", "method": "POST", "path": "/a", "parameters": [{"name": "f", "type": "file"}]},
        {"name": "b", "method": "POST", "path": "/b", "parameters": [{"name": "s", "style": "deepObject"}]},
        {"name": "c", "method": "POST", "path": "/c", "content_type": "application/x-www-form-urlencoded",
         "parameters": [{"name": "s", "type": "object", "style": "deepObject"}]},
    ]  # fmt: skip
    assert validate_plugin(tmp_path, capsys, {"operations": ops}) == [
        '8:7: parameter "f": type file is a part of a multipart/form-data body '
        "(in: body, content_type: multipart/form-data) (at /plugin/operations/0/parameters/0)",
        '14:7: parameter "s": style and explode apply to path, query and header parameters, not a body one '
        "(at /plugin/operations/1/parameters/0)",
    ]


def test_a_file_url_is_fetched_under_the_call_s_egress_context(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    """The fetch is part of the call: a rule naming the provider and operation decides it, before
    the operation's own request, which is then never sent."""
    upstream.reply("/openapi.json", body=document(upstream.url))
    upstream.reply("/files/logo.png", body=PNG, headers={"Content-Type": "image/png"})
    rule = {"action": "deny", "provider": "bodies", "operation": "upload", "path_prefix": "/files"}
    plugin = {"plugin": {"openapi": upstream.url + "/openapi.json"}}
    client = gateway({"bodies": plugin}, {"egress": {"policies": [rule]}})
    r = client.post("/api/v1/bodies/upload", json={"file": {"url": upstream.url + "/files/logo.png"}})
    assert (r.status_code, r.json()) == (403, {"error": "egress denied by policy: GET /files/logo.png"})
    assert [req.path for req in upstream.requests] == ["/openapi.json"]
