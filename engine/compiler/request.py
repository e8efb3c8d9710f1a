"""A compiled HTTP request shape: everything about an operation's call that is known at startup.

Only the shape lives here (the compiler's output); rendering it into an outbound request per call
is ``engine.providers.render``. ``interpolate`` is the ``{name}`` placeholder grammar, shared with
connection targets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.compiler.parameter import Parameter
from engine.compiler.templates import Template

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """``{key}`` → value for known keys; unknown placeholders are left as they are."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True, slots=True)
class BodyTemplate:
    """A YAML value whose string leaves are templates. A leaf that is exactly one ``{{ expr }}``
    yields the expression's own value (number, list, …); any other leaf yields a string."""

    shape: Any  # nested dict/list with Template | Expression | plain leaves


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    fn: Any  # jinja2 compiled expression


@dataclass(frozen=True, slots=True)
class RequestTemplate:
    method: str
    base_url: str
    base_url_has_params: bool
    path_parts: tuple[tuple[bool, str], ...]  # (is_param, literal-or-param-name)
    static_headers: tuple[tuple[str, str], ...]
    header_templates: tuple[tuple[str, Template], ...]
    query_templates: tuple[tuple[str, Template], ...]
    body_template: BodyTemplate | None
    query_params: tuple[Parameter, ...]
    header_params: tuple[Parameter, ...]
    body_params: tuple[Parameter, ...]
    passthrough: bool
    uses_context: bool  # any template present: build the context dict
    body_param: Parameter | None = None  # its value is the whole JSON body (OpenAPI non-object bodies)
    path_params: tuple[Parameter, ...] = ()  # the declared ones: their styles and wire names
    body_format: str = "json"  # json | form | multipart | text | binary (engine.compiler.bodies)
    content_type: str = ""  # the body's media type when it is not plain application/json
    path_names: frozenset[str] = field(init=False)
    path_by_name: Mapping[str, Parameter] = field(init=False)
    body_styles: Mapping[str, str] = field(init=False)  # body field (wire name) → its style
    has_files: bool = field(init=False)  # file values to resolve before rendering

    def __post_init__(self) -> None:
        names = frozenset(name for is_param, name in self.path_parts if is_param)
        object.__setattr__(self, "path_names", names)
        object.__setattr__(self, "path_by_name", {p.name: p for p in self.path_params})
        styles = {p.key: p.style for p in self.body_params if p.style}
        if self.body_param is not None and self.body_param.style:
            styles[""] = self.body_param.style
        object.__setattr__(self, "body_styles", styles)
        object.__setattr__(self, "has_files", "file" in styles.values())
