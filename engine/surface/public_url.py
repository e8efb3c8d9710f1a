"""This server's public origin, for URLs it hands out (OAuth metadata, the ``WWW-Authenticate``
challenge): ``server.base_url`` when configured, else the scheme and ``Host`` a request came with.
Behind a proxy that rewrites ``Host``, configure ``server.base_url``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from litestar.types import Scope

from engine.surface.asgi import header

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def public_base(configured: str, scope: Scope) -> str:
    if configured:
        parts = urlsplit(configured)
        return f"{parts.scheme}://{parts.netloc}"
    host = header(scope["headers"], b"host")
    if not _HOST.match(host):
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scope.get('scheme', 'http')}://{host}"
