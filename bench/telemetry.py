"""The telemetry scenarios of ``bench/run.py``: the anonymous bench call with ``stdout`` JSON
logs (``gestaltd-stdout``, written to the log file) and with ``otlp`` (``gestaltd-otlp``)
exporting to a loopback sink that answers every OTLP/HTTP POST with 200 and reads nothing into
memory but the body it discards. Compared with the ``noop`` call (``gestaltd``). Stdlib only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TELEMETRY_STDOUT = "  provider: stdout\n  config:\n    format: json\n    level: info\n"
TELEMETRY_OTLP = (
    "  provider: otlp\n  config:\n    endpoint: http://{host}:{port}\n    service_name: bench\n"
    "    metrics_interval: 5\n"
)


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()


def start_sink(host: str) -> tuple[int, Callable[[], None]]:
    """An OTLP/HTTP sink on ``host``: (port, stop)."""
    server = ThreadingHTTPServer((host, 0), _Sink)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return server.server_address[1], stop
