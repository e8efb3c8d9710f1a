"""Sending an HTTP-backed operation, and the provider of inline REST integrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote, unquote, urlsplit

from engine.compiler.model import ProviderInfo
from engine.egress.client import HttpClient
from engine.egress.request import Result
from engine.providers.dry_run import Injected, injected_headers, stop
from engine.providers.files import resolve_files
from engine.providers.model import OperationCall
from engine.providers.render import render_request


async def send_operation(client: HttpClient, call: OperationCall) -> Result:
    """Render, inject the credential (headers and query pairs), send: every HTTP-backed provider."""
    return (await send_page(client, call))[0]


async def send_page(client: HttpClient, call: OperationCall, url: str | None = None) -> tuple[Result, str]:
    """``send_operation``, and the URL it sent to; ``url`` (a next-page link) replaces the rendered
    one, its own query kept (a credential it already carries is not added twice)."""
    credential, connection_params = call.credential, call.connection_params
    params = call.params
    if call.operation.request.has_files:
        params = await resolve_files(client, call.operation, params, call.egress, fetch=not call.dry_run)
    request = render_request(call.operation.request, params, connection_params, credential)
    if url is not None:
        request.url = url
    rendered = dict(request.headers) if call.dry_run else request.headers
    extra = call.connection.injector.apply(credential, request.headers, connection_params)
    if extra and url is not None:
        present = {unquote(k) for k, _, _ in (p.partition("=") for p in urlsplit(url).query.split("&"))}
        extra = [(k, v) for k, v in extra if k not in present]
    if extra:
        sep = "&" if "?" in request.url else "?"
        request.url += sep + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in extra)
    request.context = call.egress.with_credential(credential is not None)
    if call.dry_run:
        written = Injected(injected_headers(rendered, request.headers), [k for k, _ in extra])
        await stop(client, request, call, written)
    return await client.send(request), request.url


@dataclass(kw_only=True)
class RestProvider(ProviderInfo):
    """A declarative provider: renders the compiled request and sends it through the egress client."""

    client: HttpClient
    previews: ClassVar[bool] = True  # honours OperationCall.dry_run

    async def execute(self, call: OperationCall) -> Result:
        return await send_operation(self.client, call)
