"""``gestaltd serve`` as a real process, for fixtures that want (base URL, stop) rather than a
context manager (see ``server.served``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.support.server import free_port, served

__all__ = ["free_port", "serve"]


def serve(config: Path, timeout: float = 20.0) -> tuple[str, Callable[[], None]]:
    """Start ``gestaltd serve``; return its base URL once ``/ready`` answers 200, and a stopper."""
    context = served(config, timeout)
    server = context.__enter__()

    def stop() -> None:
        context.__exit__(None, None, None)

    return server.url, stop
