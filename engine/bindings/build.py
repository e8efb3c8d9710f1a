"""Bindings compiled at startup: each spec checked against the compiled providers, its templates
compiled and its verifier built, or the issues saying why not (``validate`` reports them;
``serve`` skips the binding, as it skips an integration that does not compile)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from engine.bindings.deliveries import SCHEME_DELIVERY_IDS, TEMPLATE_NAMES, DeliveryPlan
from engine.bindings.signatures import verifier
from engine.bindings.webhook import Webhook
from engine.compiler.templates import Template, TemplateCompileError, compile_template
from engine.config.issues import ConfigIssue
from engine.config.spec import BindingSpec, ConfigSpec, Origin, WebhookSpec
from engine.providers.model import Provider

PREFIX = "/api/v1/bindings/"


@dataclass(frozen=True, slots=True)
class ProxyPlan:
    name: str
    provider: str  # "" or the one provider that labels its egress requests


@dataclass(frozen=True, slots=True)
class Plans:
    webhooks: Mapping[str, Webhook]  # binding name → compiled webhook
    proxies: Mapping[str, ProxyPlan]


def plan_bindings(config: ConfigSpec, providers: Mapping[str, Provider]) -> tuple[Plans, list[ConfigIssue]]:
    webhooks: dict[str, Webhook] = {}
    proxies: dict[str, ProxyPlan] = {}
    issues: list[ConfigIssue] = []
    for name, spec in sorted(config.bindings.items()):
        if spec.proxy is not None:
            proxies[name] = ProxyPlan(name, spec.providers[0] if spec.providers else "")
        elif spec.webhook is not None:
            hook, found = _webhook(spec, spec.webhook, providers, config)
            issues += found
            if hook is not None:
                webhooks[name] = hook
    return Plans(webhooks, proxies), issues


def _webhook(
    binding: BindingSpec, spec: WebhookSpec, providers: Mapping[str, Provider], config: ConfigSpec
) -> tuple[Webhook | None, list[ConfigIssue]]:
    plan, issues = _plan(binding, spec, config)
    issues += _target_issues(binding, spec, providers, config)
    if issues:
        return None, issues
    signed = spec.auth_mode == "signed"
    check = verifier(
        spec.signature_scheme, spec.signing_secrets, spec.signature_header, spec.timestamp_tolerance
    )
    hook = Webhook(
        name=binding.name,
        auth_mode=spec.auth_mode,
        verifier=check if signed else None,
        user_header=spec.user_header.lower(),
        trusted=tuple(ipaddress.ip_network(s, strict=False) for s in spec.trusted_sources),
        plan=plan,
        integration=spec.provider,
        operation=spec.operation,
        instance=spec.instance or None,
        scopes=frozenset(binding.providers),
        max_body=spec.max_body_bytes,
        dedup_window=spec.dedup_window,
        rate=spec.rate_limit.requests_per_second,
        burst=spec.rate_limit.burst,
    )
    return hook, []


def _plan(
    binding: BindingSpec, spec: WebhookSpec, config: ConfigSpec
) -> tuple[DeliveryPlan, list[ConfigIssue]]:
    delivery_id = spec.delivery_id
    if not delivery_id and spec.auth_mode == "signed":
        delivery_id = SCHEME_DELIVERY_IDS.get(spec.signature_scheme, "")
    sources = {"delivery_id": delivery_id, **{f"params/{k}": v for k, v in spec.params.items()}}
    compiled: dict[str, Template] = {}
    issues: list[ConfigIssue] = []
    for key, source in sources.items():
        try:
            compiled[key] = compile_template(source, TEMPLATE_NAMES)
        except TemplateCompileError as exc:
            message = f'binding "{binding.name}" config.{key}: {exc}'
            issues.append(_issue(binding, spec.origins.get(key), f"/config/{key}", message, config))
    params = {key.removeprefix("params/"): t for key, t in compiled.items() if key.startswith("params/")}
    return DeliveryPlan(compiled.get("delivery_id") if delivery_id else None, params), issues


def _target_issues(
    binding: BindingSpec, spec: WebhookSpec, providers: Mapping[str, Provider], config: ConfigSpec
) -> list[ConfigIssue]:
    """The forward target exists once compiled (operations from documents are only known now)."""
    if not spec.provider:
        return []
    provider = providers.get(spec.provider)
    if provider is None:
        message = f'binding "{binding.name}" forwards to integration "{spec.provider}", which did not compile'
        return [_issue(binding, None, "/config/provider", message, config)]
    if spec.operation in provider.operations or hasattr(provider, "dynamic_operation"):
        return []
    message = (
        f'binding "{binding.name}" config.operation references unknown operation "{spec.operation}" '
        f'of integration "{spec.provider}"'
    )
    return [_issue(binding, None, "/config/operation", message, config)]


def _issue(
    binding: BindingSpec, at: Origin | None, relative: str, message: str, config: ConfigSpec
) -> ConfigIssue:
    where = at or binding.origin or Origin(config.path)
    pointer = at.pointer if at is not None else where.pointer + relative
    return ConfigIssue(where.file, where.line, where.col, message, pointer)
