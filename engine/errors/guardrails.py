"""Refusals of the guardrails: authorization policies (and, next, argument policies and approvals).

Each is a 403 whose message names what was refused, never an argument's value."""

from __future__ import annotations

from engine.errors.base import GestaltError


class PolicyDenied(GestaltError):
    status = 403


class AuthorizationDenied(PolicyDenied):
    """No grant of the caller's roles allows the call, or a deny grant takes it away."""

    def __init__(self, integration: str, operation: str) -> None:
        super().__init__(f"not authorized: {integration}.{operation}")
