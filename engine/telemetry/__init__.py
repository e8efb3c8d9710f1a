"""Telemetry: logs (``logs.py``), the request id every log line and audit record carries
(``request_id.py``)."""

from __future__ import annotations

from engine.telemetry.logs import configure_logging

__all__ = ["configure_logging"]
