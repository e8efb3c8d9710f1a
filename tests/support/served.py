"""``gestaltd serve`` as a real process on a free loopback port (for clients that need real HTTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

_MAIN = "from engine.cli import main; raise SystemExit(main())"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(config: Path, timeout: float = 20.0) -> tuple[str, Callable[[], None]]:
    """Start ``gestaltd serve``; return its base URL once ``/ready`` answers 200, and a stopper."""
    port = free_port()
    log = (config.parent / "gestaltd.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _MAIN,
            "serve",
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            err = (config.parent / "gestaltd.log").read_text(errors="replace")
            raise RuntimeError(f"gestaltd exited with {proc.returncode}: {err}")
        try:
            if httpx.get(f"{url}/ready", timeout=0.5).status_code == 200:
                return url, stop
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    stop()
    raise RuntimeError("gestaltd did not become ready")
