"""The documents spec surfaces compile from, read before compiling (``engine.documents``).

Per integration: its parsed OpenAPI document or GraphQL introspection result, or why it could not
be had. The compiler only looks them up, so it never reads a file or the network itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DocumentUnavailable


@dataclass(frozen=True, slots=True)
class Sources:
    documents: Mapping[str, Any] = field(default_factory=dict)  # integration name → parsed document
    failures: Mapping[str, str] = field(default_factory=dict)  # integration name → why not

    def document(self, integration: str) -> Any:
        """Raises ``DocumentUnavailable`` with the reason the document could not be read."""
        if integration in self.failures:
            raise DocumentUnavailable(self.failures[integration])
        if integration not in self.documents:
            raise DocumentUnavailable(f'no document was read for integration "{integration}"')
        return self.documents[integration]
