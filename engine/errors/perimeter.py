"""The request perimeter: a request refused before any surface reads it (wrong ``Host``,
cross-site writes, a browser body that is not JSON)."""

from __future__ import annotations

from engine.errors.base import GestaltError


class HostNotAllowed(GestaltError):
    """421 Misdirected Request: the ``Host`` names a server this is not (DNS rebinding)."""

    status = 421

    def __init__(self, host: str) -> None:
        shown = host[:255]
        super().__init__(
            f'host "{shown}" is not allowed: name it in server.allowed_hosts or server.base_url'
            if shown
            else "missing Host header"
        )


class OriginNotAllowed(GestaltError):
    """A browser ``Origin`` that is neither this server nor one of ``server.allowed_origins``."""

    status = 403
    public_message = "origin not allowed: not this server, nor one of server.allowed_origins"


class CrossSiteRequest(GestaltError):
    """A state-changing request a browser may have sent from another site."""

    status = 403
    public_message = (
        "cross-site request refused: send it from this server's own pages or an origin in "
        "server.allowed_origins, or authenticate with an Authorization header"
    )


class UnsupportedMediaType(GestaltError):
    status = 415
    public_message = "Content-Type must be application/json"
