"""Serving: the Granian server and the ASGI app factory its worker calls.

The parent process loads and compiles everything first (so config errors print once, with
file:line, before anything listens); Granian's forked workers inherit the built app.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.config.schema_precheck import Precheck
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


def build_app(config_path: Path, locked: bool = False, precheck: Precheck | None = None) -> GatewayApp:
    """Load the config, then compile and assemble everything. The config stage comes first and
    imports little, so a changed file's schema check (``precheck``) starts before the heavy imports
    and runs beside them."""
    from engine.config import load
    from engine.config.schema_memo import SchemaMemo

    spec = load(config_path, memo=SchemaMemo(config_path.parent, precheck))
    from engine.bootstrap import build_gateway, build_runtime, resolve_config_secrets

    return build_gateway(build_runtime(resolve_config_secrets(spec), locked=locked))


def warm_bytecode_cache() -> None:
    """Write the package's bytecode cache, in a second process, if some of it is missing or stale.

    Python reads cached bytecode even under PYTHONDONTWRITEBYTECODE (set on some machines, which
    then recompile every module at every start: about 0.2 s of the 1 s startup budget). ``serve``
    calls this once the app is built (started first, beside the build, it measured no faster on 2
    CPUs: the build and the schema precheck already use both). Checking costs ~2 ms; nothing is
    started when every module's cache is current, and a stale one (after an update) is rewritten."""
    import subprocess

    package = Path(__file__).parent
    if not sys.dont_write_bytecode or not os.access(package, os.W_OK):
        return  # Python writes its own cache, or we may not write here
    if not _stale_bytecode(package):
        return
    subprocess.Popen(
        [sys.executable, "-m", "compileall", "-q", str(package)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stale_bytecode(package: Path) -> bool:
    """Whether a module of ``package`` has no cached bytecode, or one older than its source."""
    from importlib.util import cache_from_source

    for directory, subdirs, files in os.walk(package):
        subdirs[:] = [d for d in subdirs if d != "__pycache__"]
        for name in files:
            if not name.endswith(".py"):
                continue
            source = os.path.join(directory, name)
            try:
                if os.stat(cache_from_source(source)).st_mtime < os.stat(source).st_mtime:
                    return True
            except OSError:
                return True
    return False


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
    """Build the app as ``serve`` does before Granian forks: the collector off until the heap is
    settled, dataclass code from the cache (``engine.codecache``), the schema check of changed
    files in a second process (``engine.config.schema_precheck``)."""
    from engine.codecache import dataclass_code_cache, default_path
    from engine.config.schema_precheck import Precheck

    gc.disable()  # until _settle_heap: startup builds, it makes next to no garbage
    try:
        with dataclass_code_cache(default_path()):
            precheck = Precheck(config_path)
            try:
                app = build_app(config_path, locked, precheck)
            except Exception:
                if precheck.passed():
                    raise
            else:
                if precheck.passed():
                    return app
            # A changed file did not pass its schema as written: load again with the checks
            # inline, which reports every issue (or drops unset keys) exactly as validate does.
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
    warm_bytecode_cache()
    Server(
        "engine.serve:app",
        address=host or server.host,
        port=port or server.port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        factory=True,
        log_access=False,
    ).serve()
