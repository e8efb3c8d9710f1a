"""``POST /api/v1/bindings/<name><path>``: one webhook binding, as a bare ASGI endpoint.

In order: the rate limit, the body (bounded), the sender (``auth_mode``), the JSON object, the
delivery id (a replay is acknowledged, not forwarded), then the forward through the broker, as any
invocation (audited, ``source: binding:<name>``, the binding's providers as the caller's scopes).
A forward that fails releases its delivery id, so that the sender's retry goes through.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.types import Receive, Scope, Send

from engine.auth.principal import Principal
from engine.bindings.deliveries import DeliveryPlan
from engine.bindings.rate_limit import TokenBucket
from engine.bindings.signatures import Verifier
from engine.egress.context import Subject
from engine.errors import MissingUserHeader, UntrustedSource, WebhookBodyNotObject
from engine.invocation.broker import Broker, Invocation
from engine.store import Store
from engine.surface.asgi import client_ip, header, method_of, read_body_within, send_response
from engine.surface.errors import JSON, error_body, render_error

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Answer = tuple[int, str, bytes]
_DUPLICATE = b'{"status":"duplicate"}\n'
_ALLOW = [(b"allow", b"POST"), (b"content-type", JSON.encode())]


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook binding compiled at startup (``engine.bindings.build``)."""

    name: str
    auth_mode: str
    verifier: Verifier | None
    user_header: str  # lower case
    trusted: tuple[Network, ...]
    plan: DeliveryPlan
    integration: str  # "" → echo the body
    operation: str
    instance: str | None
    scopes: frozenset[str]
    max_body: int
    dedup_window: float
    rate: float
    burst: int


class WebhookEndpoint:
    def __init__(
        self,
        hook: Webhook,
        broker: Broker,
        store: Store,
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.hook = hook
        self.broker = broker
        self.store = store
        self.extra_headers = list(extra_headers)
        self.bucket = TokenBucket(hook.rate, hook.burst)
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if method_of(scope) != "POST":
            await send_response(send, 405, [*_ALLOW, *self.extra_headers], error_body("method not allowed"))
            return
        try:
            status, content_type, body = await self.respond(scope, receive)
        except Exception as exc:  # noqa: BLE001 - mapped to a response in exactly one place
            status, content_type, body = render_error(exc)
        headers = [(b"content-type", content_type.encode("latin-1")), *self.extra_headers]
        await send_response(send, status, headers, body)

    async def respond(self, scope: Scope, receive: Receive) -> Answer:
        hook = self.hook
        self.bucket.take()
        raw = await read_body_within(receive, hook.max_body)
        headers = _header_map(scope["headers"])
        principal = self._sender(scope, raw, headers)
        body = _json_object(raw)
        context = {"body": body if body is not None else {}, "headers": headers}
        delivery = hook.plan.identify(context)
        if delivery and not await self._claim(delivery):
            return 200, JSON, _DUPLICATE
        try:
            return await self._forward(scope, principal, body, context)
        except BaseException:
            if delivery:
                await self.store.release_delivery(hook.name, delivery)
            raise

    def _sender(self, scope: Scope, raw: bytes, headers: Mapping[str, str]) -> Principal:
        hook = self.hook
        if hook.verifier is not None:
            hook.verifier.verify(raw, headers, self.clock())
        user_id = ""
        if hook.auth_mode == "trusted_user_header":
            client = scope.get("client")
            if not client or not _trusted(client[0], hook.trusted):
                raise UntrustedSource()
            user_id = headers.get(hook.user_header, "").strip()
            if not user_id:
                raise MissingUserHeader()
        return Principal(email="", user_id=user_id, kind="binding", scopes=hook.scopes)

    async def _claim(self, delivery: str) -> bool:
        expires = datetime.now(UTC) + timedelta(seconds=self.hook.dedup_window)
        return await self.store.claim_delivery(self.hook.name, delivery, expires)

    async def _forward(
        self, scope: Scope, principal: Principal, body: dict[str, Any] | None, context: Mapping[str, Any]
    ) -> Answer:
        hook = self.hook
        if not hook.integration:
            return 200, JSON, json.dumps(body, separators=(",", ":")).encode() + b"\n"
        args, as_text = hook.plan.arguments(context)
        call = Invocation(
            principal=principal,
            integration=hook.integration,
            operation=hook.operation,
            args=args,
            from_query=as_text,
            instance=hook.instance,
            source=f"binding:{hook.name}",
            client_ip=client_ip(scope),
            user_agent=header(scope["headers"], b"user-agent"),
            # Without a user (public, signed) the egress policy sees the binding itself.
            subject=None if principal.user_id else Subject("system", hook.name),
        )
        result = await self.broker.invoke(call)
        return result.status, result.content_type or JSON, result.body


def _header_map(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case name → value (repeated headers joined with ", "), for verifiers and templates."""
    out: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def _json_object(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object; None for an empty body."""
    if not raw.strip():
        return None
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise WebhookBodyNotObject() from None
    if not isinstance(doc, dict):
        raise WebhookBodyNotObject()
    return doc


def _trusted(peer: str, networks: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
