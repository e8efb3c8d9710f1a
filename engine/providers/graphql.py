"""The runnable provider of a GraphQL integration: a call is a POST of ``{"query", "variables"}``;
``errors`` become a 502 with the messages joined by ``; ``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode

import orjson

from engine.compiler.graphql import GraphQLInfo
from engine.egress.client import HttpClient
from engine.egress.request import Result
from engine.errors import UpstreamInvalidResponse, UpstreamOperationError
from engine.providers.dry_run import Injected, injected_headers, stop
from engine.providers.model import OperationCall
from engine.providers.render import render_request


@dataclass(kw_only=True)
class GraphQLProvider(GraphQLInfo):
    client: HttpClient
    previews: ClassVar[bool] = True

    async def execute(self, call: OperationCall) -> Result:
        credential, connection_params = call.credential, call.connection_params
        request = render_request(call.operation.request, {}, connection_params, credential)
        body: dict[str, Any] = {"query": self.queries[call.operation.name]}
        if call.params:
            body["variables"] = call.params
        request.body = orjson.dumps(body)
        rendered = dict(request.headers) if call.dry_run else request.headers
        extra = call.connection.injector.apply(credential, request.headers, connection_params)
        if extra:
            request.url += "?" + urlencode(extra)
        request.context = call.egress.with_credential(credential is not None)
        if call.dry_run:
            written = Injected(injected_headers(rendered, request.headers), [k for k, _ in extra])
            await stop(self.client, request, call, written)
        return graphql_result(await self.client.send(request))


def graphql_result(result: Result) -> Result:
    try:
        doc = orjson.loads(result.body)
    except orjson.JSONDecodeError:
        raise UpstreamInvalidResponse() from None
    if not isinstance(doc, dict):
        raise UpstreamInvalidResponse()
    errors = doc.get("errors")
    if isinstance(errors, list) and errors:
        messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
        raise UpstreamOperationError("; ".join(messages))
    data = doc.get("data", doc)
    return Result(result.status, "application/json", orjson.dumps(data))
