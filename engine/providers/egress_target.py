"""Where an operation's request will go, as far as the compiled operation and the caller's
parameters tell before any credential is read: for the broker's egress check ahead of the
credential lookup (``EgressPolicy.precheck``).

A base URL that takes connection parameters (a tenant's host) leaves host and path unknown; an
upstream MCP session has a known URL but several methods. What is unknown here is decided by the
client's own check of each request as it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compiler.mcp_upstream import TRANSPORT
from engine.compiler.model import Operation
from engine.egress.target import Target
from engine.errors import GestaltError
from engine.providers.mcp_upstream import mcp_upstream_of
from engine.providers.model import Provider
from engine.providers.render import render_path


def operation_target(provider: Provider, operation: Operation, params: Mapping[str, Any]) -> Target:
    if operation.transport == TRANSPORT:
        upstream = mcp_upstream_of(provider)
        return Target.of_url(None, upstream.url) if upstream is not None else Target(None)
    template = operation.request
    if not template.base_url or template.base_url_has_params:
        return Target(template.method)
    try:
        path = render_path(template, params)
    except GestaltError:  # a path value still missing: the request would fail on its own
        known = Target.of_url(template.method, template.base_url)
        return Target(known.method, known.host, known.port)
    return Target.of_url(template.method, template.base_url + path)
