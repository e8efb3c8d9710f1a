"""A proxy binding: any method on ``/api/v1/bindings/<name><path>[/…]``, forwarded to the host the
request names, through the egress client (so the policy decides, and a credential grant is the
only credential that goes upstream), with the response streamed back as it arrives.

The caller proves who it is with ``Proxy-Authorization: Bearer <token>`` (else ``Authorization``);
anything else is 407 with ``Proxy-Authenticate: Bearer``. The request body is read whole (1 MiB at
most); the response body never is: memory stays bounded whatever its size. Each request is one
audit record (``source: binding:<name>``, the provider it is labelled with, the egress decision).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from engine.auth.authenticator import Authenticator
from engine.auth.principal import Principal, egress_subject
from engine.bindings.proxy_request import WITH_BODY, forwarded_headers, returned_headers, target_url
from engine.egress.client import HttpClient
from engine.egress.request import OutboundRequest
from engine.errors import GestaltError, ProxyAuthenticationRequired
from engine.invocation.audit import AuditRecord
from engine.invocation.broker import Broker
from engine.surface.asgi import MAX_BODY, client_ip, header, method_of, read_body_within, send_response
from engine.surface.errors import JSON, error_body, render_error

_log = logging.getLogger("gestalt.bindings")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_ALLOW = ", ".join(METHODS).encode()
_CHALLENGE = (b"proxy-authenticate", b"Bearer")


@dataclass(frozen=True, slots=True)
class Proxy:
    name: str
    prefix: str  # the served path: what follows it is the upstream path
    provider: str  # "" or the one provider its egress requests are labelled with


class ProxyEndpoint:
    def __init__(
        self,
        proxy: Proxy,
        authenticator: Authenticator,
        broker: Broker,
        http: HttpClient,
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
    ) -> None:
        self.proxy = proxy
        self.authenticator = authenticator
        self.broker = broker
        self.http = http
        self.extra_headers = list(extra_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = method_of(scope)
        agent = header(scope["headers"], b"user-agent")
        record = AuditRecord(
            f"binding:{self.proxy.name}",
            self.proxy.provider,
            method,
            client_ip=client_ip(scope),
            user_agent=agent,
        )
        try:
            if method not in METHODS:
                await self._refuse(send, 405, [(b"allow", _ALLOW)], "method not allowed")
                return
            principal = await self._principal(scope)
            record.user_id, record.email = principal.user_id, principal.email
            request = await self._request(scope, receive, method, principal, record)
            await self._relay(request, send, record)
        except GestaltError as exc:
            record.status, record.error = exc.status, exc.public_message
            status, content_type, body = render_error(exc)
            extra = [_CHALLENGE] if status == 407 or isinstance(exc, _AuthFailure) else []
            await self._refuse(send, status, extra, body=body, content_type=content_type)
        finally:
            self.broker.audit.emit(record)

    async def _principal(self, scope: Scope) -> Principal:
        proxy_auth = header(scope["headers"], b"proxy-authorization")
        authorization = header(scope["headers"], b"authorization")
        token = next((v for v in (proxy_auth, authorization) if v[:7].lower() == "bearer "), "")
        try:
            return await self.authenticator.authenticate(token, "")
        except GestaltError as exc:
            if exc.status == 401:
                raise ProxyAuthenticationRequired() from None
            raise _AuthFailure(exc) from None

    async def _request(
        self, scope: Scope, receive: Receive, method: str, principal: Principal, record: AuditRecord
    ) -> OutboundRequest:
        url = target_url(scope, self.proxy.prefix)
        headers = forwarded_headers(scope["headers"])
        body = await read_body_within(receive, MAX_BODY) if method in WITH_BODY else None
        context = self.broker.egress_context(egress_subject(principal), self.proxy.provider)
        record.egress = context.trace
        return OutboundRequest(method, url, headers, body, context)

    async def _relay(self, request: OutboundRequest, send: Send, record: AuditRecord) -> None:
        """Send the upstream's answer on as it arrives."""
        async with self.http.stream(request) as response:
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": response.status,
                "headers": [*returned_headers(response.headers), *self.extra_headers],
            }
            await send(start)
            record.status = response.status
            try:
                async for chunk in response.iter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except GestaltError as exc:
                record.error = exc.public_message
                fields = {"binding": self.proxy.name, "error": type(exc).__name__}
                _log.warning("proxied body interrupted", extra={"fields": fields})
                # The status is sent: an aborted response is the only honest signal left.
                raise BodyInterrupted() from exc
            end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(end)

    async def _refuse(
        self,
        send: Send,
        status: int,
        extra: list[tuple[bytes, bytes]],
        message: str = "",
        body: bytes = b"",
        content_type: str = JSON,
    ) -> None:
        headers = [(b"content-type", content_type.encode("latin-1")), *extra, *self.extra_headers]
        await send_response(send, status, headers, body or error_body(message))


class BodyInterrupted(Exception):
    """The upstream body broke off after the response began; the server aborts the connection."""


class _AuthFailure(GestaltError):
    """The authenticator failed for another reason than a bad token (a store error): its own
    status and message, with the proxy challenge still attached (as the reference does)."""

    def __init__(self, cause: GestaltError) -> None:
        super().__init__(cause.public_message)
        self.status = cause.status
