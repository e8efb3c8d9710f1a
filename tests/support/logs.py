"""Capture every log record (message and structured fields) as text, to grep for leaked secrets."""

from __future__ import annotations

import logging


class CollectLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__}")
