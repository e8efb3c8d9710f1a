"""Run the real ``gestaltd serve`` (Granian) as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    startup_seconds: float
    log: Path


@contextmanager
def served(
    config: Path, timeout: float = 30.0, port: int = 0, host: str = "127.0.0.1", until: str = "/ready"
) -> Iterator[Served]:
    """``port``: the one the config's ``base_url`` names (default: any free port); ``host``: the
    address to bind (it is always reached at 127.0.0.1). Yields once ``until`` answers 200
    (``/health``: as soon as the port is open)."""
    port = port or free_port()
    log = config.parent / "gestaltd.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "engine.cli",
                "serve",
                "--config",
                str(config),
                "--host",
                host,
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gestaltd exited early:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url + until, timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"gestaltd not ready after {timeout}s:\n{log.read_text()}")
            time.sleep(0.02)
        yield Served(url, proc, time.perf_counter() - started, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
