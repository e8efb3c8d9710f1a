"""The request perimeter: what every request passes before a surface reads it, in one place for
the gateway, ``/mcp``, bindings and pages alike.

``admit`` runs on every HTTP request the gateway receives: the ``Host`` must be this server
(``hosts.py``; the DNS-rebinding guard), and a request whose method changes state (anything but
GET, HEAD and OPTIONS) must not be a possible forgery (``cross_site.py``). A GET that changes state
is the one case the method cannot tell: the invoke endpoint asks ``refuse_cross_site`` itself for
an operation that is not read-only. ``check_origin`` is the MCP transport's stricter rule (any
``Origin`` given must be allowed).
"""

from __future__ import annotations

from typing import Any

from engine.config.spec import ServerSpec
from engine.errors import HostNotAllowed, OriginNotAllowed
from engine.surface.asgi import header
from engine.surface.cross_site import Signals, refusal
from engine.surface.hosts import AllowedHosts

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Probes (load balancers, Kubernetes) address a replica by its IP; these answer nothing private.
_PROBES = frozenset({"/health", "/ready"})


class Perimeter:
    def __init__(self, server: ServerSpec) -> None:
        self.hosts = AllowedHosts.from_server(server)

    def admit(self, scope: Any) -> None:
        """Raise unless the request may reach a surface (421 wrong Host, 403 cross-site write)."""
        if scope["path"] not in _PROBES:
            self.check_host(scope)
        if scope["method"] not in SAFE_METHODS:
            self.refuse_cross_site(scope)

    def check_host(self, scope: Any) -> None:
        host = header(scope["headers"], b"host")
        if not self.hosts.host_allowed(host, self.hosts.bind(scope.get("server"))):
            raise HostNotAllowed(host)

    def refuse_cross_site(self, scope: Any) -> None:
        """403 when a browser may have sent this state-changing request from another site."""
        refused = refusal(Signals.of(scope["headers"]), self.hosts, self.hosts.bind(scope.get("server")))
        if refused is not None:
            raise refused

    def check_origin(self, scope: Any) -> None:
        """403 when an ``Origin`` is given and is not allowed, whatever the credentials."""
        origin = Signals.of(scope["headers"]).origin
        if origin and not self.hosts.origin_allowed(origin, self.hosts.bind(scope.get("server"))):
            raise OriginNotAllowed()
