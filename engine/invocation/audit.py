"""One audit record per invocation, on every surface (HTTP, MCP, bindings).

Records name who called what and how it ended; they never carry parameters, credentials or
bodies. Emitted after the call so the outcome (status, duration) is part of the record.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from engine.egress.context import EgressTrace
from engine.invocation.authorization import Decision
from engine.telemetry.request_id import current_request_id, new_request_id

_log = logging.getLogger("gestalt.audit")


@dataclass(slots=True)
class AuditRecord:
    source: str  # http | mcp | binding:<name>
    provider: str
    operation: str
    user_id: str = ""
    email: str = ""
    client_ip: str = ""
    user_agent: str = ""
    status: int = 0
    error: str = ""
    started: float = 0.0
    request_id: str = ""
    dry_run: bool = False
    egress: EgressTrace | None = None  # with an egress policy: its decision about this call
    authorization: Decision | None = None  # with an authorization policy: its decision

    def __post_init__(self) -> None:
        if not self.started:
            self.started = time.perf_counter()


class AuditSink:
    """Writes records through the ``gestalt.audit`` logger (always at INFO or WARNING)."""

    def emit(self, record: AuditRecord) -> None:
        if not _log.isEnabledFor(logging.INFO):
            return
        elapsed_ms = round((time.perf_counter() - record.started) * 1000, 3)
        fields = {
            "log.type": "audit",
            "request_id": record.request_id or current_request_id() or new_request_id(),
            "source": record.source,
            "provider": record.provider,
            "operation": record.operation,
            "user_id": record.user_id,
            "allowed": not record.error or record.status not in (401, 403),
            "status": record.status,
            "duration_ms": elapsed_ms,
        }
        if record.error:
            fields["error"] = record.error
        if record.dry_run:
            fields["dry_run"] = True
        decision = record.egress.decision if record.egress is not None else None
        if decision is not None:
            fields["egress_decision"] = "allow" if decision.allowed else "deny"
            fields["egress_rule"] = decision.rule
        if record.authorization is not None:
            fields["authorization_decision"] = "allow" if record.authorization.allowed else "deny"
            fields["authorization_rule"] = record.authorization.rule
        if record.client_ip:
            fields["client_ip"] = record.client_ip
        if record.user_agent:
            fields["user_agent"] = record.user_agent
        level = logging.INFO if record.status < 400 else logging.WARNING
        _log.log(level, "audit", extra={"fields": fields})
