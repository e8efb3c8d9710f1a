"""Which tests are ``unit`` and which ``integration``, decided at collection, and checked.

A test is ``integration`` when it reaches something over the network or starts a process: it uses
a fixture that starts a loopback server or a Postgres cluster, is parametrised onto Postgres, or
sits in a module that imports ``subprocess`` or one of the loopback servers of ``tests/support/``.
Every other test is ``unit``: it runs in-process (real SQLite files and in-process ASGI apps
included) and, so that the split stays true as tests are added, a ``unit`` test that opens an IP
socket or starts a process fails and says how to mark it.
``pytest -m unit`` is the fast half; ``pytest -m integration`` the rest; plain ``pytest`` both.
"""

from __future__ import annotations

import socket
import sys
from types import ModuleType
from typing import Any

import pytest

SERVER_FIXTURES = frozenset(
    {"upstream", "idp", "auth_server", "postgres_dsn", "postgres_schema_dsn", "served", "local_server"}
)
OUTWARD_MODULES = frozenset(
    ["subprocess"]
    + [
        f"tests.support.{name}"
        for name in (
            "browser",
            "http_server",
            "mcp_oauth_server",
            "mcp_upstream",
            "oauth_server",
            "oidc_provider",
            "raw_server",
            "served",
            "server",
            "upstream",
        )
    ]
)
_IP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def is_integration(item: pytest.Item) -> bool:
    if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "postgres" in callspec.params.values():
        return True
    module = getattr(item, "module", None)
    return module is not None and _imports_a_server(module)


def _imports_a_server(module: ModuleType) -> bool:
    for value in vars(module).values():
        origin = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        if origin in OUTWARD_MODULES:
            return True
    return False


class NetworkGuard:
    """An audit hook (installed once; audit hooks cannot be removed) that refuses IP sockets
    while ``active`` names the running unit test."""

    def __init__(self) -> None:
        self.active: str | None = None
        sys.addaudithook(self._audit)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if self.active is None or event not in ("socket.connect", "socket.bind", "subprocess.Popen"):
            return
        sock = args[0]
        if event == "subprocess.Popen" or isinstance(sock, socket.socket) and sock.family in _IP_FAMILIES:
            test, self.active = self.active, None  # report once; the test fails on this error
            raise RuntimeError(
                f"{test} is a unit test but reached out ({event} {args[1]!r}): use a server"
                " fixture, or mark the test @pytest.mark.integration"
            )
