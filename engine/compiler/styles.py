"""How a path, query or header parameter's value is written: the style, chosen at startup.

OpenAPI 3.x ``style``/``explode`` (the Style Values and Style Examples tables of the
specification), Swagger 2.0 ``collectionFormat``, and the same two keys on an inline parameter.
The choice compiles to one name that ``engine.providers.styles`` writes per call: the style, with a
``*`` when exploded (RFC 6570's explode modifier). ``json`` is a parameter whose value is JSON
text (OpenAPI's ``content: {application/json: …}`` parameters). Pure.
"""

from __future__ import annotations

# The styles OpenAPI allows in each location; an inline parameter may also say ``json``.
ALLOWED = {
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "path": ("simple", "label", "matrix"),
    "header": ("simple",),
}
DEFAULT = {"query": "form", "path": "simple", "header": "simple"}
_EXPLODABLE = frozenset({"form", "simple", "label", "matrix"})
_DELIMITED = frozenset({"spaceDelimited", "pipeDelimited"})
# Swagger 2.0: csv is the default, multi is form exploded (query only).
_COLLECTION = {"ssv": "spaceDelimited", "tsv": "tabDelimited", "pipes": "pipeDelimited"}


def compiled_style(location: str, style: str | None, explode: bool | None) -> str | None:
    """The compiled name of a parameter's style, or None when the style is not valid there."""
    if location not in ALLOWED:
        return "" if style is None and explode is None else None
    chosen = style or DEFAULT[location]
    if chosen != "json" and chosen not in ALLOWED[location]:
        return None
    exploded = explode if explode is not None else chosen == "form"
    if chosen in _DELIMITED and exploded:
        return "form*"  # no table entry; the form of a repeated key is what servers read
    return chosen + "*" if exploded and chosen in _EXPLODABLE else chosen


def swagger_style(location: str, collection_format: object) -> str:
    """Swagger 2.0 ``collectionFormat`` (arrays only; csv when absent) as a compiled style."""
    if collection_format == "multi" and location == "query":
        return "form*"
    if isinstance(collection_format, str) and collection_format in _COLLECTION:
        return _COLLECTION[collection_format]
    return "form" if location == "query" else "simple"


def style_problem(
    name: str, location: str, style: str | None, explode: bool | None, body_format: str = "json"
) -> str:
    """Why an inline parameter's ``style``/``explode`` cannot be written, or "". A form body's
    fields take the query styles (OpenAPI's Encoding Object)."""
    if location == "body" and body_format == "form":
        location = "query"
    if compiled_style(location, style, explode) is not None:
        return ""
    if location not in ALLOWED:
        kind = "a body" if location == "body" else "a template-only"
        where = "path, query and header parameters"
        return f'parameter "{name}": style and explode apply to {where}, not {kind} one'
    allowed = ", ".join((*ALLOWED[location], "json"))
    return f'parameter "{name}": style "{style}" is not valid for a {location} parameter (use {allowed})'
