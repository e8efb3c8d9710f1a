"""Logging setup from ``telemetry``: stdout as text or JSON lines; ``noop`` silences everything.

Log records carry structured ``fields`` (never secrets); the formatters render them, with the
id of the request being served (``request_id.py``) on every line written while serving one.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import Any

from engine.telemetry.request_id import REQUEST_ID

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "msg": record.getMessage(),
            "logger": record.name,
        }
        out.update(_fields(record))
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        tail = " ".join(f"{k}={_text(v)}" for k, v in fields.items())
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
        return f"{stamp} level={record.levelname} msg={_text(record.getMessage())}" + (
            f" {tail}" if tail else ""
        )


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = getattr(record, "fields", None) or {}
    request_id = REQUEST_ID.get()
    if request_id and "request_id" not in fields:
        return {**fields, "request_id": request_id}
    return fields


def _text(value: Any) -> str:
    s = str(value)
    return json.dumps(s) if (" " in s or "=" in s or s == "") else s


def configure_logging(provider: str, config: Mapping[str, Any]) -> None:
    root = logging.getLogger("gestalt")
    root.handlers.clear()
    root.propagate = False
    if provider == "noop":
        root.addHandler(logging.NullHandler())
        root.setLevel(logging.CRITICAL + 1)
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JSONFormatter() if str(config.get("format", "text")) == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(_LEVELS.get(str(config.get("level", "info")).lower(), logging.INFO))
