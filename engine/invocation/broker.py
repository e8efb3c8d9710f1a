"""The broker: the seven steps of the seed's "Invocation Semantics", once, for every surface.

1 authenticate (the surface passes the principal) · 2 resolve provider and operation ·
3 resolve the credential by the connection's mode · 4/5 instance auto-selection or 409 ·
6 refresh (inside the credential source) · 7 execute.

With an authorization policy, the caller's roles are asked about the operation and connection
right after 2 (before the arguments are even checked): a refused call reads nothing.
With an egress policy, the operation's target (method, host, path from the compiled operation and
the arguments) is checked between 2 and 3: a denied call never looks up, decrypts or refreshes its
credential. Every request the provider then sends carries the call's ``EgressContext`` and is
checked again as it is sent; the decision and the rule that made it go into the audit record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.auth.principal import Principal, egress_subject
from engine.compiler.connections import canonical_connection
from engine.compiler.model import Connection, Operation
from engine.egress.context import EgressContext, EgressTrace, Subject
from engine.egress.policy import EgressPolicy
from engine.egress.request import Result
from engine.egress.target import Target
from engine.errors import (
    AuthorizationDenied,
    BadRequest,
    EgressPolicyDenied,
    GestaltError,
    IntegrationNotFound,
    InvalidConnectionName,
    InvalidInstanceName,
    NotAuthenticated,
    OperationNotFound,
    ScopeDenied,
)
from engine.invocation.arguments import bind_arguments
from engine.invocation.audit import AuditRecord, AuditSink
from engine.invocation.authorization import AuthorizationPolicy, CallTarget
from engine.invocation.credentials import CredentialSource, resolve_credential
from engine.providers.dry_run import preview
from engine.providers.egress_target import operation_target
from engine.providers.model import OperationCall, Provider
from engine.telemetry import otel

NAME_RE = re.compile(r"^[a-zA-Z0-9._-]+$")


@dataclass(slots=True)
class Invocation:
    principal: Principal | None
    integration: str
    operation: str
    args: dict[str, Any]
    from_query: bool = False  # GET: values are strings to coerce
    instance: str | None = None
    connection: str | None = None
    source: str = "http"
    client_ip: str = ""
    user_agent: str = ""
    dry_run: bool = False  # answer the upstream request instead of sending it
    # Who the egress policy sees; None: the principal's subject (a binding may name itself).
    subject: Subject | None = None


class Broker:
    def __init__(
        self,
        providers: Mapping[str, Provider],
        credentials: CredentialSource,
        audit: AuditSink,
        egress: EgressPolicy | None = None,
        authorization: AuthorizationPolicy | None = None,
    ) -> None:
        self.providers = providers
        self.credentials = credentials
        self.audit = audit
        self.egress = egress
        self.authorization = authorization

    def may_invoke(self, principal: Principal, integration: str, operation: str) -> bool:
        """Whether listings show the operation to this caller (with some connection)."""
        if self.authorization is None:
            return True
        target = CallTarget(integration, operation, self.read_only(integration, operation))
        return self.authorization.decide(principal, target).allowed

    def may_read(self, principal: Principal, integration: str) -> bool:
        """Whether ``GET /api/v1/integrations`` lists the integration to this caller."""
        return self.authorization is None or self.authorization.permissions(principal).may_read(integration)

    def lookup(
        self, principal: Principal | None, integration: str, operation: str
    ) -> tuple[Provider, Operation]:
        if principal is None:
            raise NotAuthenticated()
        provider = self.providers.get(integration)
        if provider is None:
            raise IntegrationNotFound(integration)
        if not principal.may_use(integration):
            raise ScopeDenied(integration)
        op = provider.operations.get(operation) or _dynamic_operation(provider, operation)
        if op is None:
            raise OperationNotFound(operation, integration)
        if not principal.may_call(integration, op.name):
            raise ScopeDenied(f"{integration}:{op.name}")
        return provider, op

    def read_only(self, integration: str, operation: str) -> bool:
        """Whether calling the operation changes nothing upstream (``Operation.read_only``). An
        unknown name counts as read-only: its call ends at ``lookup``'s 404."""
        provider = self.providers.get(integration)
        if provider is None:
            return True
        op = provider.operations.get(operation) or _dynamic_operation(provider, operation)
        return op is None or op.read_only

    async def invoke(self, call: Invocation) -> Result:
        tracing = otel.ACTIVE
        if tracing is None:
            return await self._audited(call)
        attributes = {"gestalt.integration": call.integration, "gestalt.operation": call.operation}
        with tracing.span("broker.invoke", attributes) as span:
            try:
                result = await self._audited(call)
            except GestaltError as exc:
                denied = isinstance(exc, EgressPolicyDenied)
                if denied:
                    tracing.egress_denials.add(1, {"integration": call.integration})
                span.set_attribute("gestalt.outcome", "egress_denied" if denied else f"error:{exc.status}")
                raise
            span.set_attribute("gestalt.outcome", "ok")
            return result

    async def _audited(self, call: Invocation) -> Result:
        record = AuditRecord(
            call.source,
            call.integration,
            call.operation,
            client_ip=call.client_ip,
            user_agent=call.user_agent,
            dry_run=call.dry_run,
        )
        try:
            result = await self._invoke(call, record)
        except GestaltError as exc:
            record.status, record.error = exc.status, exc.public_message
            self.audit.emit(record)
            raise
        record.status = result.status
        self.audit.emit(record)
        return result

    async def _invoke(self, call: Invocation, record: AuditRecord) -> Result:
        provider, op = self.lookup(call.principal, call.integration, call.operation)
        assert call.principal is not None
        record.user_id, record.email = call.principal.user_id, call.principal.email
        connection = self._connection(provider, op, call.connection)
        if otel.ACTIVE is not None:
            otel.ACTIVE.note("gestalt.connection.mode", connection.mode)
        if self.authorization is not None:
            target = CallTarget(provider.name, op.name, op.read_only, connection.name)
            decision = record.authorization = self.authorization.decide(call.principal, target)
            if not decision.allowed:
                raise AuthorizationDenied(provider.name, op.name)
        params = bind_arguments(op, call.args, call.from_query)
        instance = _checked_instance(call.instance)
        egress = self._egress(call, provider, op, params, record)
        resolved = await resolve_credential(
            self.credentials, call.principal, provider.name, connection, instance, not call.dry_run
        )
        fields = resolved.fields if resolved is not None else None
        conn_params = resolved.connection_params if resolved is not None else _param_defaults(connection)
        operation_call = OperationCall(op, params, connection, fields, conn_params, call.dry_run, egress)
        if call.dry_run:
            return await preview(provider, operation_call)
        return await provider.execute(operation_call)

    def _egress(
        self, call: Invocation, provider: Provider, op: Operation, params: dict[str, Any], record: AuditRecord
    ) -> EgressContext:
        """The call's egress context; with a policy, the check before the credential is read."""
        assert call.principal is not None
        context = self.egress_context(call.subject or egress_subject(call.principal), provider.name, op.name)
        record.egress = context.trace
        self.precheck(context, operation_target(provider, op, params), op.method)
        return context

    def egress_context(self, subject: Subject, provider: str, operation: str = "") -> EgressContext:
        trace = EgressTrace() if self.egress is not None else None
        return EgressContext(subject, provider, operation, trace=trace)

    def precheck(self, context: EgressContext, target: Target, method: str = "") -> None:
        """Raise ``EgressPolicyDenied`` when the policy denies ``target`` already; nothing when it
        allows or cannot tell yet (the client checks each request as it is sent)."""
        if self.egress is None:
            return
        decision = self.egress.precheck(context, target)
        if decision is None:
            return
        if context.trace is not None:
            context.trace.note(decision)
        if not decision.allowed:
            raise EgressPolicyDenied(target.method or method, target.path or "/")

    @staticmethod
    def _connection(provider: Provider, op: Operation, requested: str | None) -> Connection:
        if requested:
            if not NAME_RE.match(requested):
                raise InvalidConnectionName()
            name = canonical_connection(requested)
            conn = provider.connections.get(name)
            if conn is None:
                raise BadRequest(f'unknown connection "{requested}" on integration "{provider.name}"')
            return conn
        return provider.connections[op.connection]


def _dynamic_operation(provider: Provider, name: str) -> Operation | None:
    """Providers whose operations are only known per caller (upstream MCP) name them on demand;
    the provider itself answers 404 when the caller's upstream has no such tool."""
    resolve = getattr(provider, "dynamic_operation", None)
    if resolve is None or not NAME_RE.match(name):
        return None
    op: Operation = resolve(name)
    return op


def _checked_instance(instance: str | None) -> str | None:
    if instance and not NAME_RE.match(instance):
        raise InvalidInstanceName()
    return instance or None


def _param_defaults(connection: Connection) -> dict[str, str]:
    return {k: v.default for k, v in connection.params.items() if v.default}
