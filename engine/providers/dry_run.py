"""Dry runs (``?_dry_run=1``): the upstream request a call would send, rendered exactly as for
real, with every credential redacted, and sent nowhere.

A provider renders and injects as usual and, where it would send, calls ``stop``: the egress
decision is taken (``EgressDenied`` as a real call would get it; DNS is resolved, no connection
opened) and ``DryRun`` carries the redacted request up to ``preview``, which the broker calls.
Redaction is by origin and by value: headers and query pairs the credential injector wrote, header
templates that read ``credentials``, headers whose names say they hold secrets, URL userinfo, and
any occurrence of a credential field's value anywhere in the URL, headers or body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from engine.egress.client import HttpClient
from engine.egress.request import OutboundRequest, Result
from engine.errors import BadRequest, InternalError
from engine.providers.model import OperationCall, Provider

REDACTED = "[redacted]"
_SECRET_HEADER = re.compile(r"auth|token|secret|passw|api[-_]?key|cookie|session|signature", re.IGNORECASE)
_MIN_SECRET = 4  # shorter field values would redact ordinary text


class DryRunUnsupported(BadRequest):
    def __init__(self, integration: str) -> None:
        super().__init__(f'integration "{integration}" cannot preview its requests (a python provider)')


@dataclass(frozen=True, slots=True)
class Injected:
    """What the credential injector wrote into a request: header names and query keys."""

    headers: Collection[str] = ()
    query: Collection[str] = ()


class DryRun(Exception):
    """Not a failure: where the provider stopped instead of sending, with what it would have sent."""

    def __init__(self, request: dict[str, Any], resolved: bool) -> None:
        super().__init__("dry run")
        self.request = request
        self.resolved = resolved


def injected_headers(before: Mapping[str, str], after: Mapping[str, str]) -> set[str]:
    return {k for k, v in after.items() if before.get(k) != v}


async def stop(
    client: HttpClient, request: OutboundRequest, call: OperationCall, injected: Injected
) -> NoReturn:
    resolved = await client.admit(request)
    templated = {key for key, tpl in call.operation.request.header_templates if "credentials" in tpl.names}
    raise DryRun(redacted(request, call.credential or {}, injected, templated), resolved)


async def preview(provider: Provider, call: OperationCall) -> Result:
    """Run the provider up to its send and answer what it would have sent."""
    if not getattr(provider, "previews", False):
        raise DryRunUnsupported(provider.name)
    try:
        await provider.execute(call)
    except DryRun as stopped:
        answer = {
            "dry_run": True,
            "integration": provider.name,
            "operation": call.operation.name,
            "connection": call.connection.name,
            "request": stopped.request,
            "egress": "allowed" if stopped.resolved else "allowed; the host does not resolve",
        }
        return Result(200, "application/json", json.dumps(answer, ensure_ascii=False).encode())
    raise InternalError("the provider finished a dry run without stopping")  # it would have sent


def redacted(
    request: OutboundRequest,
    credential: Mapping[str, str],
    injected: Injected,
    templated: Collection[str] = (),
) -> dict[str, Any]:
    secrets = sorted({v for v in credential.values() if len(v) >= _MIN_SECRET}, key=len, reverse=True)
    hidden = {h.lower() for h in (*injected.headers, *templated)}
    headers = {
        name: REDACTED if name.lower() in hidden or _SECRET_HEADER.search(name) else _scrub(value, secrets)
        for name, value in sorted(request.headers.items(), key=lambda kv: kv[0].lower())
    }
    return {
        "method": request.method,
        "url": _url(request.url, set(injected.query), secrets),
        "headers": headers,
        "body": _body(request.body, request.headers, secrets),
    }


def _url(url: str, injected: set[str], secrets: list[str]) -> str:
    """The URL as it would be sent (its encoding kept), credentials replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    forms = [quote(s, safe="") for s in secrets] + secrets
    pairs = []
    for pair in parts.query.split("&") if parts.query else ():
        key, sep, value = pair.partition("=")
        pairs.append(f"{key}{sep}{REDACTED}" if unquote(key) in injected else _scrub(pair, forms))
    return urlunsplit((parts.scheme, netloc, _scrub(parts.path, forms), "&".join(pairs), parts.fragment))


def _body(body: bytes | None, headers: Mapping[str, str], secrets: list[str]) -> Any:
    if body is None:
        return None
    text = body.decode("utf-8", errors="replace")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if "json" in content_type:
        try:
            return _scrub_doc(json.loads(text), secrets)
        except ValueError:
            pass
    return _scrub(text, secrets)


def _scrub_doc(doc: Any, secrets: list[str]) -> Any:
    if isinstance(doc, str):
        return _scrub(doc, secrets)
    if isinstance(doc, list):
        return [_scrub_doc(v, secrets) for v in doc]
    if isinstance(doc, dict):
        return {_scrub(str(k), secrets): _scrub_doc(v, secrets) for k, v in doc.items()}
    return doc


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
