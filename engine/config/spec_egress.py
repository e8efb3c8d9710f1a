"""Typed, frozen specs of the ``egress`` section: policy rules and credential grants, each
matching on the same fields (``EgressMatchSpec``)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config.origin import Origin


@dataclass(frozen=True, slots=True)
class EgressMatchSpec:
    """What an egress policy rule or credential grant matches; an empty field matches anything."""

    subject_kind: str = ""
    subject_id: str = ""
    provider: str = ""
    operation: str = ""
    method: str = ""
    host: str = ""
    path_prefix: str = ""


@dataclass(frozen=True, slots=True)
class EgressRuleSpec(EgressMatchSpec):
    action: str = ""
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class EgressCredentialSpec(EgressMatchSpec):
    secret_ref: str = ""
    auth_style: str = "bearer"
    header: str = ""  # auth_style raw: the header the secret goes in (Authorization when empty)
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class EgressSpec:
    default_action: str = "allow"
    policies: tuple[EgressRuleSpec, ...] = ()
    credentials: tuple[EgressCredentialSpec, ...] = ()
