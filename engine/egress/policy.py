"""The egress policy: which outbound requests may leave, and the credential grants they get.

Rules are compiled once from ``egress`` (``from_spec``; None when the section asks for nothing,
so an unconfigured server pays nothing per request). ``admit`` is what the client runs on every
request before it is sent: decide (first matching rule, else the default action), refuse with
the reference's message, then, only for an allowed request, read and inject a grant. So no
credential of a grant is read for a denied request; the broker's ``precheck`` does the same for
a connection's credential, deciding from the compiled operation before the credential is looked up.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.config.spec import EgressSpec
from engine.egress.context import Decision, EgressContext
from engine.egress.grants import Grant, Grants, SecretSource
from engine.egress.request import OutboundRequest
from engine.egress.rules import Match
from engine.egress.target import Target
from engine.errors import EgressPolicyDenied


@dataclass(frozen=True, slots=True)
class Rule:
    match: Match
    decision: Decision


class EgressPolicy:
    def __init__(self, rules: tuple[Rule, ...], default: Decision, grants: Grants | None = None) -> None:
        self.rules = rules
        self.default = default
        self.grants = grants

    @classmethod
    def from_spec(cls, spec: EgressSpec, secrets: SecretSource) -> EgressPolicy | None:
        if not spec.policies and not spec.credentials and spec.default_action != "deny":
            return None
        rules = tuple(_rule(index, rule.action, Match.of(rule)) for index, rule in enumerate(spec.policies))
        default = Decision(spec.default_action != "deny", "egress.default_action")
        grants = tuple(Grant.of(grant, index) for index, grant in enumerate(spec.credentials))
        return cls(rules, default, Grants(grants, secrets) if grants else None)

    def decide(self, context: EgressContext, target: Target) -> Decision:
        """The decision for a request whose target is known in full."""
        for rule in self.rules:
            if rule.match.test(context, target):
                return rule.decision
        return self.default

    def precheck(self, context: EgressContext, target: Target) -> Decision | None:
        """The decision when parts of the target may be unknown; None while a rule that could
        match cannot be told (the client decides once the request is built)."""
        for rule in self.rules:
            matched = rule.match.test(context, target)
            if matched is None:
                return None
            if matched:
                return rule.decision
        return self.default

    def admit(self, request: OutboundRequest, grant: bool = True) -> None:
        """Decide ``request``; raise ``EgressPolicyDenied`` or add its grant (unless ``grant`` is
        False: a dry run, which sends nothing). Token endpoints pass."""
        context = request.context
        if context.exempt:
            return
        target = Target.of_url(request.method, request.url)
        decision = self.decide(context, target)
        request.decision = decision
        if context.trace is not None:
            context.trace.note(decision)
        if not decision.allowed:
            raise EgressPolicyDenied(request.method, target.path or "/")
        if grant and self.grants is not None and not context.credentialed:
            self.grants.apply(request, target)


def _rule(index: int, action: str, match: Match) -> Rule:
    allowed = action == "allow"
    # Only a host named exactly reaches a link-local address: a ``*.`` pattern would let any name
    # under it that resolves (or is rebound) to a metadata service through.
    names_host = allowed and match.host is not None and not match.host.suffix
    return Rule(match, Decision(allowed, f"egress.policies[{index}]", names_host))
