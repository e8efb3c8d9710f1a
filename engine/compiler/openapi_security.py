"""OpenAPI security schemes → the default auth of the connection an OpenAPI surface uses.

Mapped onto the existing ConnectionAuthSpec shapes, so credential injection is the one in
``engine.compiler.injector``: http bearer → ``bearer``; http basic → ``basic``; apiKey in a header
or the query string → ``manual`` with an ``auth_mapping``; oauth2 → ``oauth2`` with its URLs and
scopes. The document's ``security`` requirements are tried first, then the schemes in order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from engine.config.spec import AuthMappingSpec, ConnectionAuthSpec, CredentialFieldSpec

_TOKEN = (CredentialFieldSpec(name="token", label="Token"),)


def derive_auth(doc: Mapping[str, Any]) -> ConnectionAuthSpec | None:
    schemes = _schemes(doc)
    for requirement in doc.get("security") or ():
        if not isinstance(requirement, Mapping) or not requirement:
            continue
        named = [(n, schemes[n]) for n in requirement if n in schemes]
        if len(named) != len(requirement):
            continue
        if len(named) > 1 and all(_is_header_key(s) for _, s in named):
            return _header_keys(named)
        found = _apply(*named[0]) if len(named) == 1 else None
        if found is not None:
            return found
    for name, scheme in schemes.items():
        found = _apply(name, scheme)
        if found is not None:
            return found
    return None


# What an auth block without a type keeps when it takes the document's scheme: its client settings.
_CLIENT_SETTINGS = (
    "client_id", "client_secret", "redirect_url", "client_auth", "token_exchange", "scopes",
    "scope_param", "scope_separator", "pkce", "authorization_params", "token_params", "refresh_params",
    "accept_header", "access_token_path", "token_metadata",
)  # fmt: skip
_UNSET = ConnectionAuthSpec()


def inherit_scheme(configured: ConnectionAuthSpec, derived: ConnectionAuthSpec) -> ConnectionAuthSpec:
    """The document's scheme, with every client setting the config block did set."""
    own = {name: getattr(configured, name) for name in _CLIENT_SETTINGS}
    return replace(derived, **{k: v for k, v in own.items() if v != getattr(_UNSET, k)})


def merge_auth(
    configured: ConnectionAuthSpec | None, derived: ConnectionAuthSpec | None
) -> ConnectionAuthSpec | None:
    """Config auth wins; a block without a type takes the spec's scheme (keeping its client
    settings); a token-style config (manual/bearer, no mapping) takes the spec's injection."""
    if derived is not None and configured is not None and not configured.type_given:
        return inherit_scheme(configured, derived)
    if derived is None or (configured is not None and configured.type not in ("manual", "bearer")):
        return configured
    if configured is None:
        return derived
    if configured.auth_mapping is not None or derived.type not in ("basic", "manual"):
        return configured
    return replace(
        configured,
        type=derived.type,
        auth_mapping=derived.auth_mapping,
        credentials=configured.credentials or derived.credentials,
    )


def _schemes(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    components = doc.get("components")
    raw = (
        components.get("securitySchemes")
        if isinstance(components, Mapping)
        else doc.get("securityDefinitions")
    )
    return {str(k): v for k, v in (raw.items() if isinstance(raw, Mapping) else ()) if isinstance(v, Mapping)}


def _is_header_key(scheme: Mapping[str, Any]) -> bool:
    return scheme.get("type") == "apiKey" and scheme.get("in") == "header"


def _header_keys(named: list[tuple[str, Mapping[str, Any]]]) -> ConnectionAuthSpec:
    fields = tuple(CredentialFieldSpec(name=field_name(n), label=_label(n)) for n, _ in named)
    headers = {str(s.get("name")): field_name(n) for n, s in named}
    return ConnectionAuthSpec(
        type="manual", credentials=fields, auth_mapping=AuthMappingSpec(headers=headers)
    )


def _apply(name: str, scheme: Mapping[str, Any]) -> ConnectionAuthSpec | None:
    kind = scheme.get("type")
    if kind == "apiKey" and scheme.get("in") in ("header", "query") and scheme.get("name"):
        target = {str(scheme["name"]): "token"}
        mapping = (
            AuthMappingSpec(headers=target) if scheme["in"] == "header" else AuthMappingSpec(query=target)
        )
        return ConnectionAuthSpec(type="manual", credentials=_TOKEN, auth_mapping=mapping)
    if kind == "basic" or (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"):
        return ConnectionAuthSpec(type="basic", credentials=_TOKEN)
    if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
        return ConnectionAuthSpec(type="bearer", credentials=_TOKEN)
    if kind == "oauth2":
        return _oauth2(scheme)
    return None


def _oauth2(scheme: Mapping[str, Any]) -> ConnectionAuthSpec | None:
    flows = scheme.get("flows")
    if isinstance(flows, Mapping):  # 3.x
        flow = flows.get("authorizationCode") or flows.get("implicit")
    else:  # 2.0: the flow's fields sit on the scheme itself
        flow = scheme if scheme.get("flow") in ("accessCode", "implicit") else None
    if not isinstance(flow, Mapping) or not flow.get("authorizationUrl"):
        return None
    scopes = flow.get("scopes")
    return ConnectionAuthSpec(
        type="oauth2",
        authorization_url=str(flow["authorizationUrl"]),
        token_url=str(flow.get("tokenUrl") or ""),
        scopes=tuple(str(s) for s in (scopes if isinstance(scopes, Mapping) else ())),
    )


def field_name(scheme_key: str) -> str:
    """``applicationKey`` → ``application_key`` (reference §6.4); empty → ``token``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", scheme_key)
    return re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_") or "token"


def _label(scheme_key: str) -> str:
    special = {"api": "API", "id": "ID", "oauth": "OAuth", "url": "URL"}
    return " ".join(special.get(w, w.title()) for w in field_name(scheme_key).split("_"))
