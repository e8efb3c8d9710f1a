"""What a webhook delivery becomes: its id (for de-duplication) and the parameters it is
forwarded with, from templates over ``body`` and ``headers`` compiled once at startup
(``engine.bindings.build``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.compiler.templates import Template
from engine.errors import BadRequest, MissingDeliveryId

TEMPLATE_NAMES = frozenset({"body", "headers"})

# The id each signature scheme's sender gives a delivery (Slack's url_verification has none).
SCHEME_DELIVERY_IDS = {
    "github": "{{ headers['x-github-delivery'] }}",
    "stripe": "{{ body.id }}",
    "slack": "{{ body.event_id | default('') }}",
}


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    delivery_id: Template | None = None
    params: Mapping[str, Template] = field(default_factory=dict)  # empty: the body is the params

    def identify(self, context: Mapping[str, Any]) -> str:
        """The delivery's id, "" when it has none to de-duplicate by."""
        if self.delivery_id is None:
            return ""
        try:
            return self.delivery_id.render(context).strip()
        except BadRequest:
            raise MissingDeliveryId() from None

    def arguments(self, context: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """(parameters, whether they are text to be typed by the operation, as a query's are)."""
        body: dict[str, Any] = context["body"]
        if not self.params:
            return dict(body), False
        return {name: template.render(context) for name, template in self.params.items()}, True
