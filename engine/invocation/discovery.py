"""Post-connect discovery (http-api §5.5): ask the upstream, with the credential just obtained,
what it can reach, and turn each item of the JSON answer into a candidate.

The request goes through the connection's ``CredentialInjector`` like any call. A candidate's
``params`` become connection params of the stored credential, so they are checked before they are
stored: keys like connection param names, values against ``VALUE_RE`` (they end up in URLs).
Neither the credential nor the response body is ever logged.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from engine.compiler.model import Connection
from engine.compiler.request import interpolate
from engine.config.spec import DiscoverySpec
from engine.egress.client import HttpClient
from engine.egress.context import EgressContext
from engine.egress.request import OutboundRequest
from engine.errors import ConnectionSetupFailed, EgressDenied, GestaltError, InvalidDiscoveredValue
from engine.invocation.connection_target import NAME_RE

VALUE_RE = re.compile(r"^[a-zA-Z0-9._:/-]+$")
# Candidates travel inside the sealed pending token (form field, cookie-free): keep it small.
MAX_CANDIDATES = 50
MAX_LABEL = 200

_log = logging.getLogger("gestalt.discovery")


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    label: str
    params: Mapping[str, str] = field(default_factory=dict)

    def checked_params(self) -> dict[str, str]:
        """The params to merge into the connection's; 502 naming the first bad key."""
        for key in sorted(self.params):
            if not NAME_RE.match(key) or not VALUE_RE.match(self.params[key]):
                raise InvalidDiscoveredValue(key)
        return dict(self.params)


async def discover(
    http: HttpClient,
    integration: str,
    connection: Connection,
    credential: Mapping[str, str],
    params: Mapping[str, str],
    context: EgressContext,
) -> list[Candidate]:
    """The candidates the connection's discovery request finds; 502 ``connection setup failed``
    when the request or its answer fails. ``context``: who is connecting, for the egress policy,
    whose refusal is answered as itself (403, the rule's method and path), not as a failure."""
    spec = connection.discovery
    if spec is None:
        raise ConnectionSetupFailed()
    try:
        body = await _fetch(http, connection, spec, credential, params, context)
        found = candidates_in(spec, json.loads(body))
    except EgressDenied:
        raise
    except (GestaltError, ValueError) as exc:
        fields = {"integration": integration, "connection": connection.name, "error": type(exc).__name__}
        _log.warning("discovery failed", extra={"fields": fields})
        raise ConnectionSetupFailed() from exc
    return found


async def _fetch(
    http: HttpClient,
    connection: Connection,
    spec: DiscoverySpec,
    credential: Mapping[str, str],
    params: Mapping[str, str],
    context: EgressContext,
) -> bytes:
    headers = {"Accept": "application/json"}
    url = interpolate(spec.url, params)
    extra = connection.injector.apply(credential, headers, params)
    if extra:
        sep = "&" if "?" in url else "?"
        url += sep + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in extra)
    request = OutboundRequest(spec.method, url, headers, context=context.with_credential(True))
    return (await http.send(request)).body


def candidates_in(spec: DiscoverySpec, doc: Any) -> list[Candidate]:
    """Items at ``items_path`` with a non-empty id, in answer order (at most ``MAX_CANDIDATES``)."""
    items = value_at(doc, spec.items_path)
    if not isinstance(items, list):
        raise ValueError("discovery answer holds no list of items")
    found = [c for c in (_candidate(spec, item) for item in items) if c is not None]
    return found[:MAX_CANDIDATES]


def _candidate(spec: DiscoverySpec, item: Any) -> Candidate | None:
    ident = _scalar(value_at(item, spec.id_path))
    if not ident:
        return None
    label = _scalar(value_at(item, spec.label_path)) or ident
    params = {name: _scalar(value_at(item, path)) for name, path in spec.params.items()}
    return Candidate(ident, label[:MAX_LABEL], params)


def value_at(doc: Any, path: str) -> Any:
    """The value at a dotted path (object keys; digits index lists); None when absent."""
    node = doc
    for part in path.split(".") if path else ():
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""
