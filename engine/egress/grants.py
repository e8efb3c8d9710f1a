"""Credential grants: a secret put into the outbound requests a grant matches, read from the
secrets provider for each such request and dropped with it.

Only a request that carries no credential of its own gets a grant (the forward proxy, a connection
of mode ``none``, upstream MCP without a credential); the first grant that matches decides, and
one with ``auth_style: none`` means "no grant here". The grant's header replaces a header of the
same name (a static ``Authorization``, say). Nothing is cached: the value lives as long as the
request's headers.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Protocol

from engine.config.paths import SECRET_PREFIX
from engine.config.spec import EgressCredentialSpec
from engine.egress.request import OutboundRequest
from engine.egress.rules import Match
from engine.egress.target import Target
from engine.errors import EgressCredentialUnavailable

_log = logging.getLogger("gestalt.egress")


class SecretSource(Protocol):
    """The secrets provider (``engine.secrets``), as grants use it."""

    def get(self, name: str) -> str:
        """The secret's value; ``LookupError`` (its message naming no value) when there is none."""
        ...


@dataclass(frozen=True, slots=True)
class Grant:
    match: Match
    secret: str  # the secret's name, without secret://
    style: str  # bearer | basic | raw | none
    header: str
    name: str  # egress.credentials[i], for errors and logs

    @classmethod
    def of(cls, spec: EgressCredentialSpec, index: int) -> Grant:
        header = spec.header if spec.auth_style == "raw" and spec.header else "Authorization"
        return cls(
            match=Match.of(spec),
            secret=spec.secret_ref.removeprefix(SECRET_PREFIX),
            style=spec.auth_style,
            header=header,
            name=f"egress.credentials[{index}]",
        )

    def value(self, secret: str) -> str:
        if self.style == "bearer":
            return f"Bearer {secret}"
        if self.style == "basic":
            pair = secret if ":" in secret else secret + ":"
            return "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        return secret  # raw


class Grants:
    def __init__(self, grants: tuple[Grant, ...], secrets: SecretSource) -> None:
        self.grants = grants
        self.secrets = secrets

    def apply(self, request: OutboundRequest, target: Target) -> None:
        """Put the first matching grant's credential into ``request`` (called only once the
        policy has allowed it, and only for a request without a credential of its own)."""
        for grant in self.grants:
            if grant.match.test(request.context, target) is not True:
                continue
            if grant.style != "none":
                _set_header(request.headers, grant.header, grant.value(self._read(grant)))
            return

    def _read(self, grant: Grant) -> str:
        try:
            secret = self.secrets.get(grant.secret)
        except LookupError as exc:
            cause = str(exc)
        else:
            if secret:
                return secret
            cause = "resolved to empty value"
        fields = {"grant": grant.name, "secret": grant.secret, "error": cause}
        _log.warning("egress credential unavailable", extra={"fields": fields})
        raise EgressCredentialUnavailable(grant.name)


def _set_header(headers: dict[str, str], name: str, value: str) -> None:
    lowered = name.lower()
    for key in [k for k in headers if k.lower() == lowered]:
        del headers[key]
    headers[name] = value
