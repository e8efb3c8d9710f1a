"""The JSON Schemas of the three file kinds, loaded from the repository's top-level ``schemas/``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first check: serve skips the check for unchanged files
    from jsonschema import Draft202012Validator
    from referencing import Registry

GESTALT = "gestalt.schema.json"
PROVIDER = "provider.schema.json"
BINDING = "binding.schema.json"
ALL = (GESTALT, PROVIDER, BINDING)


def schema_dir() -> Path:
    """The one place that knows where the schemas live: the repository's ``schemas/`` (reached
    through the ``engine/schemas`` link, which is also how a built wheel carries them)."""
    return Path(__file__).resolve().parent.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One schema document by file name (``gestalt.schema.json`` …)."""
    data: dict[str, Any] = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    return data


@cache
def registry() -> Registry[Any]:
    """All schemas, addressable by their ``$id``, so relative ``$ref``s resolve offline."""
    from referencing import Registry, Resource

    resources = [(load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in ALL]
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name), registry=registry())
