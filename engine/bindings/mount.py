"""The bindings' one ASGI endpoint, mounted by the gateway on ``/api/v1/bindings/``: each request
goes to its binding's endpoint (a webhook's exact path, a proxy's path and everything below it),
anything else is the API's JSON 404."""

from __future__ import annotations

from collections.abc import Sequence

from litestar.types import ASGIApp, Receive, Scope, Send

from engine.bindings.build import PREFIX, Plans
from engine.bindings.proxy import METHODS, Proxy, ProxyEndpoint
from engine.bindings.webhook import WebhookEndpoint
from engine.surface.asgi import send_response
from engine.surface.errors import JSON, error_body
from engine.surface.runtime import Runtime

Row = tuple[str, str, str]


class BindingsEndpoint:
    def __init__(
        self, exact: dict[str, ASGIApp], prefixes: Sequence[tuple[str, ASGIApp]], rows: list[Row],
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
    ) -> None:  # fmt: skip
        self.exact = exact
        self.prefixes = sorted(prefixes, key=lambda item: -len(item[0]))  # the longest path first
        self.rows = rows
        self.extra_headers = list(extra_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"].rstrip("/")
        endpoint = self.exact.get(path)
        if endpoint is None:
            endpoint = next((app for prefix, app in self.prefixes if _under(path, prefix)), None)
        if endpoint is None:
            headers = [(b"content-type", JSON.encode()), *self.extra_headers]
            await send_response(send, 404, headers, error_body("not found"))
            return
        await endpoint(scope, receive, send)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def bindings_endpoint(
    runtime: Runtime, plans: Plans, extra_headers: Sequence[tuple[bytes, bytes]] = ()
) -> BindingsEndpoint | None:
    """None when no binding is configured (nothing mounted, nothing paid)."""
    if not plans.webhooks and not plans.proxies:
        return None
    assert runtime.store is not None
    exact: dict[str, ASGIApp] = {}
    rows: list[Row] = []
    for name, hook in plans.webhooks.items():
        path = runtime.config.bindings[name].served_path
        exact[path] = WebhookEndpoint(hook, runtime.broker, runtime.store, extra_headers)
        rows.append(("POST", path, f"webhook:{name}"))
    prefixes: list[tuple[str, ASGIApp]] = []
    for name, plan in plans.proxies.items():
        path = runtime.config.bindings[name].served_path
        assert runtime.http is not None
        proxy = ProxyEndpoint(Proxy(name, path, plan.provider), runtime.authenticator, runtime.broker,
                              runtime.http, extra_headers)  # fmt: skip
        prefixes.append((path, proxy))
        rows.append((",".join(METHODS), f"{path}/{{path:path}}", f"proxy:{name}"))
    return BindingsEndpoint(exact, prefixes, rows, extra_headers)


MOUNT_PATH = PREFIX
