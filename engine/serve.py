"""Serving: the Granian server and the ASGI app factory its worker calls.

The parent process validates the config first (so errors print once, with file:line), then
hands the path to the worker through the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.web.gateway import GatewayApp

CONFIG_ENV = "GESTALTD_SERVE_CONFIG"


def app() -> GatewayApp:
    """Granian factory target (``engine.serve:app``): build the runtime and the ASGI app."""
    from engine.bootstrap import build_runtime, load_config
    from engine.web.gateway import create_gateway

    config = load_config(os.environ[CONFIG_ENV])
    return create_gateway(build_runtime(config))


def serve(config_path: Path, host: str, port: int, workers: int = 1) -> None:
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.server import Server

    os.environ[CONFIG_ENV] = str(config_path)
    Server(
        "engine.serve:app",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        factory=True,
        log_access=False,
    ).serve()
