"""File values of multipart parts and binary bodies: base64 ``content``, or a ``url`` fetched
through the egress client (the one outbound client: its limits, address guard and policy apply),
at most ``MAX_FILE`` bytes. Resolved before rendering, so rendering stays synchronous."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.compiler.bodies import FILE_STYLE
from engine.compiler.model import Operation
from engine.compiler.parameter import Parameter
from engine.egress.client import HttpClient
from engine.egress.context import EgressContext
from engine.egress.limits import MIB
from engine.egress.request import OutboundRequest
from engine.errors import BadRequest, EgressDenied, UpstreamError

MAX_FILE = 20 * MIB


@dataclass(frozen=True, slots=True)
class FileValue:
    content: bytes
    filename: str = ""
    content_type: str = ""


def file_params(op: Operation) -> tuple[Parameter, ...]:
    return tuple(p for p in op.parameters if p.style == FILE_STYLE)


async def resolve_files(
    client: HttpClient, op: Operation, params: dict[str, Any], egress: EgressContext, fetch: bool = True
) -> dict[str, Any]:
    """``params`` with every file value a ``FileValue`` (``fetch=False``, a dry run: a URL is
    named, not fetched). A fetch goes out under the call's ``egress`` context, without the
    connection's credential."""
    out = dict(params)
    for p in file_params(op):
        if p.name not in out:
            continue
        value = out[p.name]
        items = value if isinstance(value, list) else [value]
        files = [await _resolve(client, egress, p.name, item, fetch) for item in items]
        out[p.name] = files if isinstance(value, list) else files[0]
    return out


async def _resolve(
    client: HttpClient, egress: EgressContext, name: str, value: Any, fetch: bool
) -> FileValue:
    if isinstance(value, FileValue):
        return value
    if not isinstance(value, Mapping) or ("content" in value) == ("url" in value):
        raise BadRequest(f'parameter "{name}" must be a file: {{"content": <base64>}} or {{"url": ...}}')
    filename, content_type = str(value.get("filename") or ""), str(value.get("content_type") or "")
    if "content" in value:
        return FileValue(_decoded(name, value["content"]), filename, content_type)
    url = str(value["url"])
    if not url.startswith(("https://", "http://")):
        raise BadRequest(f'parameter "{name}": url must be an http(s) URL')
    if not fetch:
        return FileValue(f"<the bytes at {url}>".encode(), filename, content_type)
    content, fetched_type = await _fetch(client, egress, name, url)
    named = filename or url.split("?", 1)[0].rsplit("/", 1)[-1]
    return FileValue(content, named, content_type or fetched_type)


def _decoded(name: str, content: Any) -> bytes:
    try:
        return base64.b64decode(str(content), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f'parameter "{name}": content is not valid base64') from None


async def _fetch(client: HttpClient, egress: EgressContext, name: str, url: str) -> tuple[bytes, str]:
    request = OutboundRequest("GET", url, context=egress)
    try:
        async with client.stream(request) as response:
            if response.status >= 400:
                raise BadRequest(f'parameter "{name}": its url answered HTTP {response.status}')
            chunks, size = [], 0
            async for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_FILE:
                    raise BadRequest(f'parameter "{name}": the file at its url is larger than 20 MiB')
                chunks.append(chunk)
            return b"".join(chunks), response.content_type
    except EgressDenied:
        raise
    except UpstreamError as exc:
        raise BadRequest(f'parameter "{name}": its url could not be fetched ({exc.public_message})') from None
