"""The one Jinja2 environment: sandboxed, StrictUndefined, compiled at startup.

The context is fixed: ``params``, ``connection`` and (in auth mappings and headers only)
``credentials``. Each field decides the output type of its rendering; nothing is guessed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.errors import BadRequest

CONTEXT_NAMES = frozenset({"params", "connection", "credentials"})

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_ENV.filters["tojson"] = lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False)


class TemplateCompileError(ValueError):
    """A template does not compile or names an unknown variable; the message says which."""


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    render_fn: Any  # jinja2.Template
    names: frozenset[str]  # top-level context names used
    param_refs: frozenset[str]  # params.<x> / params['x'] references

    def render(self, context: Mapping[str, Any]) -> str:
        try:
            return str(self.render_fn.render(context))
        except Exception as exc:  # undefined variables, sandbox violations, filter errors
            raise BadRequest(f"template rendering failed: {_safe_reason(exc)}") from None


def compile_template(source: str, allowed: frozenset[str] = CONTEXT_NAMES) -> Template:
    try:
        ast = _ENV.parse(source)
        compiled = _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateCompileError(f"template does not compile: {exc.message} (line {exc.lineno})") from None
    names = frozenset(n.name for n in ast.find_all(nodes.Name) if n.ctx == "load")
    unknown = sorted(names - allowed - _locals_of(ast))
    if unknown:
        raise TemplateCompileError(
            f"template uses unknown variable {unknown[0]!r}; available: {', '.join(sorted(allowed))}"
        )
    return Template(source, compiled, names & allowed, frozenset(_param_refs(ast)))


def compile_expression(source: str) -> Any:
    """A single Jinja expression whose value is returned as is (not stringified)."""
    try:
        return _ENV.compile_expression(source, undefined_to_none=False)
    except TemplateSyntaxError as exc:
        raise TemplateCompileError(f"template does not compile: {exc.message}") from None


def _locals_of(ast: nodes.Template) -> set[str]:
    """Names bound inside the template itself (for-loop targets, set)."""
    bound: set[str] = set()
    for node in ast.find_all((nodes.For, nodes.Assign)):
        target: nodes.Node = node.target  # type: ignore[attr-defined]
        for name in target.find_all(nodes.Name):
            bound.add(name.name)
        if isinstance(target, nodes.Name):
            bound.add(target.name)
    return bound


def _param_refs(ast: nodes.Template) -> set[str]:
    refs: set[str] = set()
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name == "params":
            refs.add(node.attr)
    for item in ast.find_all(nodes.Getitem):
        if (
            isinstance(item.node, nodes.Name)
            and item.node.name == "params"
            and isinstance(item.arg, nodes.Const)
            and isinstance(item.arg.value, str)
        ):
            refs.add(item.arg.value)
    return refs


def _safe_reason(exc: Exception) -> str:
    # Undefined-variable messages name the variable, never a value; other errors are summarised.
    from jinja2 import UndefinedError

    if isinstance(exc, UndefinedError):
        return exc.message or "undefined value"
    return type(exc).__name__
