"""What an outbound request carries for the egress policy: who it is for, what it is part of, and
where the decision about it is noted for the audit record.

Every request has a context; one built without a caller's is the engine's own (``ENGINE``). The
subject of a caller comes from ``engine.auth.principal.egress_subject``; system subjects name the
component (``documents``, ``oidc``, ``mcp_oauth``, a binding's name). OAuth token endpoints are
``exempt``: the spec leaves them out of the policy (the address guard still applies).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str  # user | identity | system
    id: str


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str  # "egress.policies[2]" or "egress.default_action": what decided
    # An allow rule that names the host exactly (no ``*.`` pattern): the one thing that lets a
    # request reach a link-local or metadata address (the address guard asks).
    names_host: bool = False


class EgressTrace:
    """The egress decisions of one invocation, for its audit record: the first denial, else the
    first allowing decision (an invocation may send several requests: pages, an MCP session)."""

    __slots__ = ("decision",)

    def __init__(self) -> None:
        self.decision: Decision | None = None

    def note(self, decision: Decision) -> None:
        if self.decision is None or (self.decision.allowed and not decision.allowed):
            self.decision = decision


@dataclass(frozen=True, slots=True)
class EgressContext:
    subject: Subject = Subject("system", "gestaltd")
    provider: str = ""  # the integration the request is made for
    operation: str = ""  # the operation being invoked, when the request is part of one
    # The request already carries its connection's credential: no credential grant is added.
    credentialed: bool = False
    exempt: bool = False  # an OAuth token endpoint (spec §7): no policy, no grant
    trace: EgressTrace | None = field(default=None, compare=False)

    def with_credential(self, present: bool) -> EgressContext:
        return replace(self, credentialed=True) if present and not self.credentialed else self


def system(component: str, provider: str = "") -> EgressContext:
    """The context of the engine's own requests (documents, OpenID, MCP OAuth discovery)."""
    return EgressContext(Subject("system", component), provider)


ENGINE = EgressContext()
TOKEN_ENDPOINT = EgressContext(Subject("system", "oauth"), exempt=True)
