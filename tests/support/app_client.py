"""A Litestar ``TestClient`` over the served app, addressed as a browser on this machine would.

The request perimeter accepts loopback names when the server is bound to loopback; the test
client reports its base URL's host and port as the bound address (``scope["server"]``), so
``http://127.0.0.1`` makes it a loopback server asked for ``127.0.0.1``, whose own origin is
``http://127.0.0.1``.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from litestar.types import ASGIApp

BASE_URL = "http://127.0.0.1"


def app_client(app: ASGIApp) -> TestClient[Any]:
    return TestClient(app, base_url=BASE_URL)
