"""Compiled operations in the server's own OpenAPI document (Litestar's), one typed entry each.

The invoke routes are lean ASGI handlers, which Litestar leaves out of its document, so their
entries are built here from each operation's input schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.enums import ParamType
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    PathItem,
    RequestBody,
    Schema,
)
from litestar.openapi.spec import (
    Operation as OpenAPIOperation,
)
from litestar.openapi.spec import (
    Parameter as OpenAPIParameter,
)

from engine.compiler.model import Operation
from engine.providers.model import Provider

_ERROR = OpenAPIResponse(
    description="Error envelope",
    content={
        "application/json": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.OBJECT, properties={"error": Schema(type=OpenAPIType.STRING)})
        )
    },
)


def add_operations(document: OpenAPI, providers: Mapping[str, Provider]) -> None:
    paths = document.paths if document.paths is not None else {}
    for name in sorted(providers):
        for op in providers[name].operations.values():
            paths[f"/api/v1/{name}/{op.name}"] = _path_item(op)
    document.paths = paths


def _path_item(op: Operation) -> PathItem:
    schema = op.input_schema or {"type": "object"}
    props: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    query = [
        OpenAPIParameter(
            name=n,
            param_in=ParamType.QUERY,
            required=n in required,
            description=p.get("description"),
            schema=_schema(p),
        )
        for n, p in props.items()
    ]
    responses = {
        "200": OpenAPIResponse(description="The upstream response, passed through"),
        "default": _ERROR,
    }
    common = {"tags": [op.integration], "summary": op.description or op.name, "responses": responses}
    return PathItem(
        get=OpenAPIOperation(operation_id=f"{op.integration}.{op.name}.get", parameters=query, **common),  # type: ignore[arg-type]
        post=OpenAPIOperation(
            operation_id=f"{op.integration}.{op.name}.post",
            request_body=RequestBody(
                content={"application/json": OpenAPIMediaType(schema=_schema(schema))}, required=False
            ),
            **common,  # type: ignore[arg-type]
        ),
    )


def _schema(doc: Mapping[str, Any]) -> Schema:
    kwargs: dict[str, Any] = {}
    if "type" in doc:  # a JSON Schema type may be a list (OpenAPI 3.1 documents: ["string", "null"])
        t = doc["type"]
        kwargs["type"] = [OpenAPIType(x) for x in t] if isinstance(t, list) else OpenAPIType(t)
    if "description" in doc:
        kwargs["description"] = doc["description"]
    if "enum" in doc:
        kwargs["enum"] = list(doc["enum"])
    if "default" in doc:
        kwargs["default"] = doc["default"]
    if "properties" in doc:
        kwargs["properties"] = {k: _schema(v) for k, v in doc["properties"].items()}
    if doc.get("required"):
        kwargs["required"] = list(doc["required"])
    return Schema(**kwargs)
