"""The documents spec surfaces compile from, read before compiling (``engine.documents``).

Per integration: its parsed OpenAPI document or GraphQL introspection result, or why it could not
be had. The compiler only looks them up, so it never reads a file or the network itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.compiler.rest import issue
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec
from engine.errors import DocumentUnavailable


@dataclass(frozen=True, slots=True)
class Sources:
    documents: Mapping[str, Any] = field(default_factory=dict)  # integration name → parsed document
    failures: Mapping[str, DocumentUnavailable] = field(default_factory=dict)  # name → why not

    def document(self, integration: str) -> Any:
        """Raises ``DocumentUnavailable`` with the reason the document could not be read."""
        if integration in self.failures:
            raise self.failures[integration]
        if integration not in self.documents:
            raise DocumentUnavailable(f'no document was read for integration "{integration}"')
        return self.documents[integration]


def document_issue(spec: IntegrationSpec, key: str, exc: DocumentUnavailable) -> ConfigIssue:
    """``integration "x": openapi specs/api.yaml:12:3: not valid YAML: …``, at the ``key`` line:
    the document as the config names it, and where in it a parse failed."""
    plugin = spec.plugin
    where = plugin.written.get(key) or getattr(plugin, key)
    if exc.line:
        where += f":{exc.line}:{exc.col}"
    message = f'integration "{spec.name}": {key.removesuffix("_url")} {where}: {exc.public_message}'
    return issue(plugin.origins.get(key), message, spec.origin)
