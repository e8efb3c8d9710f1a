"""The stdout formatters: text and JSON lines, structured fields, the current request's id."""

from __future__ import annotations

import json
import logging

from engine.telemetry.logs import JSONFormatter, TextFormatter
from engine.telemetry.request_id import REQUEST_ID


def _record(**fields: object) -> logging.LogRecord:
    record = logging.LogRecord("gestalt.test", logging.INFO, __file__, 1, "loaded provider", None, None)
    record.fields = fields
    return record


def test_json_lines_carry_the_fields_and_the_request_id_while_serving() -> None:
    token = REQUEST_ID.set("rid-7")
    try:
        line = json.loads(JSONFormatter().format(_record(provider="echo")))
    finally:
        REQUEST_ID.reset(token)
    assert (line["msg"], line["level"], line["provider"], line["request_id"]) == (
        "loaded provider", "INFO", "echo", "rid-7",
    )


def test_text_lines_quote_values_with_spaces_and_omit_an_absent_request_id() -> None:
    line = TextFormatter().format(_record(error="not found here"))
    assert line.endswith('level=INFO msg="loaded provider" error="not found here"')
    assert "request_id" not in line


def test_a_record_naming_its_own_request_id_keeps_it() -> None:
    token = REQUEST_ID.set("outer")
    try:
        line = TextFormatter().format(_record(request_id="own"))
    finally:
        REQUEST_ID.reset(token)
    assert line.count("request_id=") == 1 and "request_id=own" in line
