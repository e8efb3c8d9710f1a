"""Redirect URIs (OAuth 2.1 §2.3.1, RFC 8252 for native clients): which a client may register, how
a presented one matches, and how the authorization response is attached to it.

Allowed: ``https`` URIs; ``http`` only to a loopback host (a native client's local listener, whose
port may differ per run: RFC 8252 §7.3 asks that any port match); and private-use schemes of
native apps (``cursor://…``). Never a fragment, never a scheme that runs or reads locally.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode, urlsplit, urlunsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_FORBIDDEN = {"javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "ws", "wss"}
_FORBIDDEN_SCHEMES = frozenset(_FORBIDDEN)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
MAX_LENGTH = 2000


def redirect_problem(uri: str) -> str:
    """Why ``uri`` may not be registered as a redirect URI ("" when it may)."""
    if not isinstance(uri, str) or not uri or len(uri) > MAX_LENGTH:
        return "must be a URI of at most 2000 characters"
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if "#" in uri:
        return "must not have a fragment"
    if scheme == "https":
        return "" if parts.hostname else "must name a host"
    if scheme == "http":
        return "" if parts.hostname in LOOPBACK_HOSTS else "http is allowed only for a loopback host"
    if not _SCHEME.match(scheme) or scheme in _FORBIDDEN_SCHEMES:
        return "must use https, http on a loopback host, or an app's private-use scheme"
    return ""


def redirect_matches(registered: Sequence[str], presented: str) -> bool:
    """Exact match, except that a loopback ``http`` URI matches whatever its port."""
    if presented in registered:
        return True
    wanted = _loopback_without_port(presented)
    return bool(wanted) and any(_loopback_without_port(uri) == wanted for uri in registered)


def _loopback_without_port(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        return ""
    return urlunsplit(("http", parts.hostname, parts.path, parts.query, ""))


def with_response(uri: str, params: Mapping[str, str]) -> str:
    """The redirect URI with the authorization response added to its query (OAuth 2.1 §4.1.2)."""
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def form_action_source(uri: str) -> str:
    """The CSP ``form-action`` source that lets a form's redirect reach ``uri`` (browsers apply
    ``form-action`` to the redirect after a form post)."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def display_host(uri: str) -> str:
    """What the consent page shows for a redirect URI: its host, or an app's scheme."""
    parts = urlsplit(uri)
    return parts.hostname or f"{parts.scheme}:"


def is_loopback(uri: str) -> bool:
    return urlsplit(uri).hostname in LOOPBACK_HOSTS
