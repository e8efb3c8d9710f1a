"""Credential injection: a stored credential → the headers, query parameters and HTTP Basic
pair an upstream expects.

Compiled once per connection (the auth mapping's templates); ``apply`` fills a request's headers
per call, on plain dicts, so the compiler stays free of the outbound client. The credential is a
mapping of field → value; ``token`` holds the single credential (an OAuth access token, a bearer
token, a one-field manual credential).
Values are never logged and never appear in error messages.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.compiler.templates import Template, compile_template, is_template
from engine.config.spec import ConnectionAuthSpec
from engine.errors import CredentialFieldMissing

_AUTH_CONTEXT = frozenset({"credentials", "connection"})


@dataclass(frozen=True, slots=True)
class _Mapped:
    target: str  # header or query name
    field: str  # credential field, when not a template
    template: Template | None

    def value(self, credential: Mapping[str, str], connection: Mapping[str, Any]) -> str:
        if self.template is not None:
            return self.template.render({"credentials": credential, "connection": connection})
        value = credential.get(self.field)
        if value is None or value == "":
            raise CredentialFieldMissing(f'credential field "{self.field}" is missing')
        return value


@dataclass(frozen=True, slots=True)
class CredentialInjector:
    style: str  # none | bearer | basic | mapped
    headers: tuple[_Mapped, ...] = ()
    query: tuple[_Mapped, ...] = ()
    basic: tuple[_Mapped, _Mapped | None] | None = None  # auth_mapping.basic: user, password

    def apply(
        self,
        credential: Mapping[str, str] | None,
        headers: dict[str, str],
        connection_params: Mapping[str, str],
    ) -> list[tuple[str, str]]:
        """Add auth headers in place; return query pairs to append."""
        if credential is None or self.style == "none":
            return []
        if self.style == "bearer":
            token = credential.get("token", "")
            if token:
                _drop(headers, "authorization")
                headers["Authorization"] = f"Bearer {token}"
            return []
        if self.style == "basic":
            _drop(headers, "authorization")
            headers["Authorization"] = "Basic " + base64.b64encode(_basic_pair(credential).encode()).decode()
            return []
        conn = {"params": dict(connection_params)}
        if self.basic is not None:
            user, password = self.basic
            pair = f"{user.value(credential, conn)}:{password.value(credential, conn) if password else ''}"
            _drop(headers, "authorization")
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        for m in self.headers:
            _drop(headers, m.target.lower())
            headers[m.target] = m.value(credential, conn)
        return [(m.target, m.value(credential, conn)) for m in self.query]


def _drop(headers: dict[str, str], lower_name: str) -> None:
    for key in [k for k in headers if k.lower() == lower_name]:
        del headers[key]


def _basic_pair(credential: Mapping[str, str]) -> str:
    if "username" in credential:
        return f"{credential['username']}:{credential.get('password', '')}"
    token = credential.get("token", "")
    return token if ":" in token else token + ":"


def compile_injector(auth: ConnectionAuthSpec) -> CredentialInjector:
    """Raise ``TemplateCompileError`` for a bad mapping template (reported by the compiler)."""
    mapping = auth.auth_mapping
    if mapping is not None and (mapping.headers or mapping.query or mapping.basic):
        basic = mapping.basic
        return CredentialInjector(
            "mapped",
            tuple(_mapped(k, v) for k, v in mapping.headers.items()),
            tuple(_mapped(k, v) for k, v in mapping.query.items()),
            (_mapped("", basic.username), _mapped("", basic.password) if basic.password else None)
            if basic is not None
            else None,
        )
    if auth.type == "none":
        return CredentialInjector("none")
    if auth.type == "basic":
        return CredentialInjector("basic")
    return CredentialInjector("bearer")


def _mapped(target: str, source: str) -> _Mapped:
    if is_template(source):
        return _Mapped(target, "", compile_template(source, _AUTH_CONTEXT))
    return _Mapped(target, source.strip(), None)
