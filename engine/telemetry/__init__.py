"""Telemetry: logs (``logs.py``), the request id every log line and audit record carries
(``request_id.py``), traces and metrics over OTLP (``otel.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.telemetry.logs import configure_logging
from engine.telemetry.otel import configure_otel


def configure_telemetry(provider: str, config: Mapping[str, Any]) -> None:
    """Logs for every provider but ``noop`` (``otlp`` writes its logs as ``stdout`` does), and
    traces and metrics for ``otlp`` only."""
    configure_logging("stdout" if provider == "otlp" else provider, config)
    configure_otel(provider, config)


__all__ = ["configure_logging", "configure_telemetry"]
