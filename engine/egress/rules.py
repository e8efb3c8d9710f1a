"""One rule's match criteria, compiled once at startup: what a policy rule and a credential grant
share. Every field a rule sets must match; a field it leaves out matches anything.

``test`` answers True, False, or None when the request's target lacks a part the rule needs
(see ``target.Target``): the broker's check before credentials only acts on a definite answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.config.host_pattern import HostPattern, parse_host_pattern
from engine.config.spec import EgressMatchSpec
from engine.egress.context import EgressContext
from engine.egress.target import Target, path_segments


@dataclass(frozen=True, slots=True)
class Match:
    subject_kind: str = ""
    subject_id: str = ""
    provider: str = ""
    operation: str = ""
    method: str = ""
    host: HostPattern | None = None
    prefix: tuple[str, ...] | None = None  # path segments

    @classmethod
    def of(cls, spec: EgressMatchSpec) -> Match:
        return cls(
            subject_kind=spec.subject_kind,
            subject_id=spec.subject_id,
            provider=spec.provider,
            operation=spec.operation,
            method=spec.method.upper(),
            host=parse_host_pattern(spec.host) if spec.host else None,
            prefix=path_segments(spec.path_prefix) if spec.path_prefix else None,
        )

    def test(self, context: EgressContext, target: Target) -> bool | None:
        if (self.provider and self.provider != context.provider) or (
            self.operation and self.operation != context.operation
        ):
            return False
        subject = context.subject
        if (self.subject_kind and self.subject_kind != subject.kind) or (
            self.subject_id and self.subject_id != subject.id
        ):
            return False
        unknown = False
        if self.method:
            if target.method is None:
                unknown = True
            elif target.method != self.method:
                return False
        if self.host is not None:
            if target.host is None:
                unknown = True
            elif not self.host.matches(target.host, target.port):
                return False
        if self.prefix is not None:
            segments = target.segments()
            if segments is None:
                unknown = True
            elif segments[: len(self.prefix)] != self.prefix:
                return False
        return None if unknown else True
