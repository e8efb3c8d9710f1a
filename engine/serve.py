"""Serving: the Granian server and the ASGI app factory its worker calls.

The parent process loads and compiles everything first (so config errors print once, with
file:line, before anything listens); Granian's forked workers inherit the built app.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.web.gateway import GatewayApp

CONFIG_ENV = "GESTALTD_SERVE_CONFIG"


# Built in the parent before Granian forks its workers, so each worker starts with the config
# loaded, the providers compiled and the modules imported (startup to /ready stays under 1 s).
# Nothing in it holds a socket, file or event loop until the lifespan startup runs in the worker.
_PREBUILT: GatewayApp | None = None


def app() -> GatewayApp:
    """Granian factory target (``engine.serve:app``): the prebuilt app, or build it here."""
    if _PREBUILT is not None:
        return _PREBUILT
    return build_app(Path(os.environ[CONFIG_ENV]))


def build_app(config_path: Path, locked: bool = False) -> GatewayApp:
    """Load the config, then compile and assemble everything. A file whose schema check passed
    unchanged before is not checked again (``config/schema_memo.py``)."""
    from engine.bootstrap import build_gateway, build_runtime, resolve_config_secrets
    from engine.config import load
    from engine.config.schema_memo import SchemaMemo

    spec = load(config_path, memo=SchemaMemo.in_cache())
    return build_gateway(build_runtime(resolve_config_secrets(spec), locked=locked))


def _settle_heap() -> None:
    """Everything built so far lives for the whole process: move it out of the collector's
    generations (fewer, shorter GC pauses on the request path, and forked workers keep sharing
    those pages), then collect young objects less often.

    The collector is off while the app is built (``prebuild``): imports and compilation make
    hundreds of thousands of long-lived objects and no garbage worth a pass (under a thousand
    cyclic objects for the root config), so the passes cost ~0.1 s and a full collection before
    freezing another ~0.06 s, both of the 1 s startup budget."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    gc.enable()


def prebuild(config_path: Path, locked: bool = False) -> GatewayApp:
    """Build the app as ``serve`` does before Granian forks, the collector off until the heap is
    settled."""
    gc.disable()  # until _settle_heap: startup builds, it makes next to no garbage
    try:
        return build_app(config_path, locked)
    finally:
        _settle_heap()


def serve(
    config_path: Path,
    host: str | None = None,
    port: int | None = None,
    workers: int = 1,
    locked: bool = False,
) -> None:
    """Build the app once (raising ConfigError before anything listens), then serve it."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.server import Server

    global _PREBUILT
    os.environ[CONFIG_ENV] = str(config_path)
    _PREBUILT = prebuild(config_path, locked)
    server = _PREBUILT.config.server
    address = host or server.host
    _warn_unnamed(_PREBUILT, address)
    Server(
        "engine.serve:app",
        address=address,
        port=port or server.port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        factory=True,
        log_access=False,
    ).serve()


def _warn_unnamed(app: GatewayApp, address: str) -> None:
    """Beyond loopback with no name configured, DNS names are refused (421): say so at startup."""
    import logging

    message = app.perimeter.hosts.unnamed_warning(address)
    if message:
        logging.getLogger("gestalt.serve").warning(
            "host names not configured", extra={"fields": {"error": message}}
        )
