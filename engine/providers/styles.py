"""Writing a parameter value in its compiled style (``engine.compiler.styles``): per call, cheap.

Follows the Style Examples table of OpenAPI 3.1.1 for ``color`` = ``"blue"``,
``["blue", "black", "brown"]`` or ``{"R": 100, "G": 200, "B": 150}``: query ``form*`` →
``color=blue&color=black&color=brown`` / ``R=100&G=200&B=150``, ``form`` →
``color=blue,black,brown``, ``spaceDelimited`` → ``color=blue%20black%20brown``,
``pipeDelimited`` → ``color=blue%7Cblack%7Cbrown``, ``deepObject`` → ``color%5BR%5D=100&…``;
path ``simple`` → ``blue,black,brown``, ``label`` → ``.blue,black,brown``, ``label*`` →
``.blue.black.brown``, ``matrix`` → ``;color=blue,black,brown``, ``matrix*`` →
``;color=blue;color=black;color=brown``; headers ``simple`` → ``blue,black,brown`` /
``R,100,G,200,B,150`` (``simple*``: ``R=100,G=200,B=150``). Each item is percent-encoded before
the delimiters join it, so a comma inside a value stays a value. What the table leaves undefined
(a nested array or object inside one) is written as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

Fragments = list[str]  # query fragments, "key=value", already percent-encoded


def wire_str(value: Any) -> str:
    """How one scalar value is written into a path segment, query string or header."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _enc(value: Any) -> str:
    return quote(wire_str(value), safe="")


def _flat(value: Any) -> list[Any]:
    """An object's keys and values in turn (``R,100,G,200``), an array's items, or the value."""
    if isinstance(value, dict):
        return [x for kv in value.items() for x in kv]
    return list(value) if isinstance(value, list) else [value]


def _joined(value: Any, delimiter: str) -> str:
    return delimiter.join(_enc(v) for v in _flat(value))


def _pairs(value: dict[Any, Any], delimiter: str) -> str:
    return delimiter.join(f"{_enc(k)}={_enc(v)}" for k, v in value.items())


# Query styles: (encoded key, value) → fragments.
def _form_exploded(key: str, value: Any) -> Fragments:
    if isinstance(value, dict):
        return [f"{_enc(k)}={_enc(v)}" for k, v in value.items()]
    if isinstance(value, list):
        return [f"{key}={_enc(v)}" for v in value]
    return [f"{key}={_enc(value)}"]


def _delimited(delimiter: str) -> Callable[[str, Any], Fragments]:
    def write(key: str, value: Any) -> Fragments:
        return [f"{key}={_joined(value, delimiter)}"]

    return write


def _deep_object(key: str, value: Any) -> Fragments:
    if not isinstance(value, dict):
        return _form_exploded(key, value)
    out: Fragments = []
    for name, item in value.items():
        inner = f"{key}{quote(f'[{wire_str(name)}]', safe='')}"
        if isinstance(item, dict):
            out.extend(_deep_object(inner, item))
        else:
            out.extend(_form_exploded(inner, item) if isinstance(item, list) else [f"{inner}={_enc(item)}"])
    return out


def _json_query(key: str, value: Any) -> Fragments:
    return [f"{key}={quote(json.dumps(value, separators=(',', ':'), ensure_ascii=False), safe='')}"]


QUERY: dict[str, Callable[[str, Any], Fragments]] = {
    "": _form_exploded,
    "form*": _form_exploded,
    "form": _delimited(","),
    "spaceDelimited": _delimited("%20"),
    "pipeDelimited": _delimited("%7C"),
    "tabDelimited": _delimited("%09"),
    "deepObject": _deep_object,
    "json": _json_query,
}


def query_fragments(style: str, key: str, value: Any) -> Fragments:
    if isinstance(value, list | dict) and not value:
        return []  # RFC 6570: an empty list or map is undefined, and undefined values are left out
    return QUERY[style](quote(key, safe=""), value)


# Path styles: (wire name, value) → the encoded segment text.
def _simple(exploded: bool, prefix: str = "", delimiter: str = ",") -> Callable[[str, Any], str]:
    def write(name: str, value: Any) -> str:
        if exploded and isinstance(value, dict):
            return prefix + _pairs(value, delimiter)
        return prefix + _joined(value, delimiter if exploded else ",")

    return write


def _matrix(exploded: bool) -> Callable[[str, Any], str]:
    def write(name: str, value: Any) -> str:
        key = _enc(name)
        if exploded and isinstance(value, dict):
            return "".join(f";{_enc(k)}={_enc(v)}" for k, v in value.items())
        if exploded and isinstance(value, list):
            return "".join(f";{key}={_enc(v)}" for v in value)
        text = _joined(value, ",")
        return f";{key}={text}" if text else f";{key}"

    return write


PATH: dict[str, Callable[[str, Any], str]] = {
    "": _simple(False),
    "simple": _simple(False),
    "simple*": _simple(True),
    "label": _simple(False, "."),
    "label*": _simple(True, ".", "."),
    "matrix": _matrix(False),
    "matrix*": _matrix(True),
    "spaceDelimited": lambda _n, v: _joined(v, "%20"),
    "pipeDelimited": lambda _n, v: _joined(v, "%7C"),
    "tabDelimited": lambda _n, v: _joined(v, "%09"),
    "json": lambda _n, v: quote(json.dumps(v, separators=(",", ":"), ensure_ascii=False), safe=""),
}


def path_text(style: str, name: str, value: Any) -> str:
    return PATH[style](name, value)


# Header styles: value → text (headers are not percent-encoded).
def _header(delimiter: str, exploded: bool = False) -> Callable[[Any], str]:
    def write(value: Any) -> str:
        if exploded and isinstance(value, dict):
            return delimiter.join(f"{wire_str(k)}={wire_str(v)}" for k, v in value.items())
        return delimiter.join(wire_str(v) for v in _flat(value))

    return write


HEADER: dict[str, Callable[[Any], str]] = {
    "": _header(","),
    "simple": _header(","),
    "simple*": _header(",", True),
    "spaceDelimited": _header(" "),
    "pipeDelimited": _header("|"),
    "tabDelimited": _header("\t"),
    "json": lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False),
}


def header_text(style: str, value: Any) -> str:
    return HEADER[style](value)
