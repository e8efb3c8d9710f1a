"""Rendered upstream requests, as a real loopback upstream receives them (snapshotted: the shape is
the contract): parameter styles from OpenAPI 3.x, Swagger 2.0 and inline operations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.conftest import GatewayFactory
from tests.support.readme import readme_yaml
from tests.support.upstream import Upstream
from tests.support.validate import validate_plugin

ARRAY = {"type": "array", "items": {"type": "string"}}
OBJECT = {"type": "object", "properties": {"R": {"type": "integer"}, "G": {"type": "integer"}}}


def param(name: str, where: str, schema: dict[str, Any], **style: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, **style}


def openapi_doc(server: str) -> dict[str, Any]:
    path_params = [
        param("simple", "path", ARRAY),
        param("label", "path", ARRAY, style="label"),
        param("labelx", "path", OBJECT, style="label", explode=True),
        param("matrix", "path", OBJECT, style="matrix"),
        param("matrixx", "path", ARRAY, style="matrix", explode=True),
    ]
    query = [
        param("tags", "query", ARRAY),  # form, explode by default
        param("ids", "query", ARRAY, explode=False),
        param("words", "query", ARRAY, style="spaceDelimited"),
        param("pipes", "query", OBJECT, style="pipeDelimited"),
        param("filter", "query", OBJECT, style="deepObject", explode=True),
        param("color", "query", OBJECT),  # form explode: the object's own keys
        {"name": "coords", "in": "query", "content": {"application/json": {"schema": OBJECT}}},
    ]
    headers = [param("X-List", "header", ARRAY), param("X-Obj", "header", OBJECT, explode=True)]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Styles", "version": "1"},
        "servers": [{"url": server}],
        "paths": {
            "/s/{simple}/{label}/{labelx}/{matrix}{matrixx}": {
                "get": {"operationId": "styles", "parameters": path_params + query + headers}
            }
        },
    }


SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "Old", "version": "1"},
    "paths": {
        "/items/{ids}": {
            "get": {
                "operationId": "items",
                "parameters": [
                    {
                        "name": "ids",
                        "in": "path",
                        "required": True,
                        "type": "array",
                        "items": {"type": "string"},
                    },
                    *(
                        {
                            "name": f,
                            "in": "query",
                            "type": "array",
                            "items": {"type": "string"},
                            "collectionFormat": f,
                        }
                        for f in ("csv", "ssv", "tsv", "pipes", "multi")
                    ),
                    {"name": "plain", "in": "query", "type": "array", "items": {"type": "string"}},
                ],
            }
        }
    },
}

ARR, OBJ = ["blue", "black", "brown"], {"R": 100, "G": 200}


def test_openapi_and_swagger_styles_as_the_upstream_receives_them(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    upstream.reply("/openapi.json", body=openapi_doc(upstream.url))
    upstream.reply("/swagger.json", body={**SWAGGER, "host": upstream.url.removeprefix("http://")})
    client = gateway({
        "styles": {"plugin": {"openapi": upstream.url + "/openapi.json"}},
        "old": {"plugin": {"openapi": upstream.url + "/swagger.json", "base_url": upstream.url}},
    })  # fmt: skip
    call = {
        "simple": ARR, "label": ARR, "labelx": OBJ, "matrix": OBJ, "matrixx": ["a,b", "c"],
        "tags": ARR, "ids": ["1", "2"], "words": ARR, "pipes": OBJ,
        "filter": {"status": "open", "owner": {"id": 7}}, "color": OBJ, "coords": {"R": 1, "G": 2},
        "X-List": ARR, "X-Obj": OBJ,
    }  # fmt: skip
    r = client.post("/api/v1/styles/styles", json=call)
    assert r.status_code == 200, r.text
    sent = upstream.last()
    assert sent.target == (
        "/s/blue,black,brown/.blue,black,brown/.R=100.G=200/;matrix=R,100,G,200;matrixx=a%2Cb;matrixx=c"
        "?tags=blue&tags=black&tags=brown&ids=1,2&words=blue%20black%20brown&pipes=R%7C100%7CG%7C200"
        "&filter%5Bstatus%5D=open&filter%5Bowner%5D%5Bid%5D=7&R=100&G=200"
        "&coords=%7B%22R%22%3A1%2C%22G%22%3A2%7D"
    )
    assert (sent.headers["X-List"], sent.headers["X-Obj"]) == ("blue,black,brown", "R=100,G=200")
    two = ["a", "b"]
    r = client.post(
        "/api/v1/old/items",
        json={"ids": two, **dict.fromkeys(("csv", "ssv", "tsv", "pipes", "multi", "plain"), two)},
    )
    assert r.status_code == 200, r.text
    old = upstream.last()
    assert old.target == "/items/a,b?csv=a,b&ssv=a%20b&tsv=a%09b&pipes=a%7Cb&multi=a&multi=b&plain=a,b"
    assert [sent.snapshot(), old.snapshot()] == snapshot


def test_the_readme_inline_styles(gateway: GatewayFactory, upstream: Upstream) -> None:
    operation = readme_yaml("style: deepObject")[0]
    client = gateway({"notes": {"plugin": {"base_url": upstream.url, "operations": [operation]}}})
    args = {"filter": {"status": "open"}, "ids": [1, 2, 3], "fields": ["title", "body"]}
    assert client.post("/api/v1/notes/search_notes", json=args).status_code == 200
    assert upstream.last().target == "/notes?filter%5Bstatus%5D=open&ids=1,2,3&fields=title%7Cbody"


def test_an_inline_style_the_location_does_not_take_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = [{"name": "q", "in": "query", "style": "matrix"}, {"name": "b", "in": "body", "style": "form"}]
    op = {"name": "find", "method": "POST", "path": "/find", "parameters": params}
    assert validate_plugin(tmp_path, capsys, {"operations": [op]}) == [
        '8:7: parameter "q": style "matrix" is not valid for a query parameter '
        "(use form, spaceDelimited, pipeDelimited, deepObject, json) (at /plugin/operations/0/parameters/0)",
        '11:7: parameter "b": style and explode apply to path, query and header parameters, not a body one '
        "(at /plugin/operations/0/parameters/1)",
    ]
