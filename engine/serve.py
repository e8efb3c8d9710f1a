"""Serving: the Granian server and the ASGI app factory its worker calls.

The parent process does the quick part of start-up first (config, secrets, keys, store and login
settings: config errors print once, with file:line, before anything listens) and imports what
the build needs; Granian's forked workers inherit a ``StartupGate`` around it. Each worker opens
the port at once and builds the providers and the gateway behind the gate (``web/startup_gate.py``:
``/health`` answers, ``/ready`` says "providers loading"), so a slow remote document no longer
makes the server look dead. A build that fails stops the server with the error and exit code 1.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.bootstrap import Prepared
    from engine.web.gateway import GatewayApp
    from engine.web.startup_gate import StartupGate

CONFIG_ENV = "GESTALTD_SERVE_CONFIG"
_log = logging.getLogger("gestalt.serve")

# Prepared in the parent before Granian forks its workers, so each worker starts with the config
# loaded, the keys derived and the modules imported (startup to /ready stays under 1 s).
# Nothing in it holds a socket, file or event loop until the lifespan startup runs in the worker.
_PREBUILT: StartupGate | None = None


def app() -> StartupGate:
    """Granian factory target (``engine.serve:app``): the prepared gate, or prepare it here."""
    if _PREBUILT is not None:
        return _PREBUILT
    return prebuild(Path(os.environ[CONFIG_ENV]))


def prepare(config_path: Path, locked: bool = False) -> Prepared:
    """Load the config and do the quick part of start-up. A file whose schema check passed
    unchanged before is not checked again (``config/schema_memo.py``)."""
    from engine.bootstrap import prepare_runtime, resolve_config_secrets
    from engine.config import load
    from engine.config.schema_memo import SchemaMemo

    spec = load(config_path, memo=SchemaMemo.in_cache())
    prepared = prepare_runtime(resolve_config_secrets(spec), locked=locked)
    import engine.mcp.mount
    import engine.web.app  # noqa: F401  (imported once here, not in every worker's build)

    return prepared


def build(prepared: Prepared) -> GatewayApp:
    """The slow part, in the worker behind the gate: the providers and the gateway on them, the
    collector off until the heap is settled."""
    from engine.bootstrap import build_gateway, complete_runtime

    gc.disable()  # until _settle_heap: startup builds, it makes next to no garbage
    try:
        return build_gateway(complete_runtime(prepared))
    finally:
        _settle_heap()


def _settle_heap() -> None:
    """Everything built so far lives for the whole process: move it out of the collector's
    generations (fewer, shorter GC pauses on the request path), then collect young objects less
    often.

    The collector is off while the app is built: imports and compilation make hundreds of
    thousands of long-lived objects and no garbage worth a pass (under a thousand cyclic objects
    for the root config), so the passes cost ~0.1 s and a full collection before freezing
    another ~0.06 s, both of the 1 s startup budget."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    gc.enable()


def prebuild(config_path: Path, locked: bool = False) -> StartupGate:
    """What ``serve`` does before Granian forks: the prepared start-up, in the gate that builds
    the rest once the worker's lifespan starts."""
    from engine.web.startup_gate import StartupGate

    gc.disable()  # as in build: loading and imports make next to no garbage
    try:
        prepared = prepare(config_path, locked)
    finally:
        gc.enable()
    return StartupGate(prepared.config, lambda: build(prepared), stop_on_failure)


def stop_on_failure(exc: BaseException) -> None:
    """A build that failed: print why (a config error at its place in the file) and stop this
    worker; Granian sees a worker exit it did not ask for and exits 1."""
    from engine.errors import ConfigError

    if isinstance(exc, ConfigError):
        from engine.config.locate import rendered

        report = rendered(exc.issues)
    else:
        report = f"gestaltd: startup failed: {type(exc).__name__}: {exc}"
    print(report, file=sys.stderr, flush=True)
    _log.error("startup failed", extra={"fields": {"error": type(exc).__name__}})
    os.kill(os.getpid(), signal.SIGTERM)


def serve(
    config_path: Path,
    host: str | None = None,
    port: int | None = None,
    workers: int = 1,
    locked: bool = False,
) -> None:
    """Prepare once (raising ConfigError before anything listens), then serve; the workers build
    the rest behind the startup gate."""
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


def _warn_unnamed(gate: StartupGate, address: str) -> None:
    """Beyond loopback with no name configured, DNS names are refused (421): say so at startup."""
    message = gate.perimeter.hosts.unnamed_warning(address)
    if message:
        _log.warning("host names not configured", extra={"fields": {"error": message}})
