"""Whether a connection's declared credential fields can fill what its injection reads.

A mapping that names a field the connection does not declare, or ``type: basic`` over fields
that are not ``username``/``password`` with no ``auth_mapping.basic`` to say which is which, would
send an empty value (``Basic Og==``) on every call; ``validate`` reports it instead, at the auth
block. Checked on the auth as compiled, so a document's security scheme merged into a written
block is checked too. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.compiler.templates import is_template
from engine.config.spec import PLUGIN_CONNECTION, AuthMappingSpec, ConnectionAuthSpec, Origin, PluginSpec
from engine.config.suggest import did_you_mean

BASIC_FIELDS = ("username", "password")  # what ``type: basic`` reads without a mapping


def credential_problems(plugin: PluginSpec) -> Iterator[tuple[Origin | None, str]]:
    """(origin of the auth block, message) for every connection whose fields cannot fill it."""
    auths = [(PLUGIN_CONNECTION, plugin.auth)]
    auths += [(name, c.auth) for name, c in plugin.connections.items() if name != "_plugin"]
    for name, auth in auths:
        if auth is None:
            continue
        for problem in auth_problems(auth):
            yield auth.origin, f'connection "{name}": {problem}'


def auth_problems(auth: ConnectionAuthSpec) -> list[str]:
    declared = [f.name for f in auth.credentials]
    mapping = auth.auth_mapping
    problems = [
        f'auth_mapping.{where} names "{field}", which is not a declared credential field'
        + (did_you_mean(field, declared) or f" (declared: {', '.join(declared)})")
        for where, field in mapped_fields(mapping)
        if declared and not _fills(field, declared)
    ]
    injects = mapping is not None and (mapping.headers or mapping.query or mapping.basic)
    unfilled = len(declared) > 1 and not set(BASIC_FIELDS) <= set(declared)
    if auth.type == "basic" and not injects and unfilled:
        problems.append(
            f"auth type basic sends the credential fields username and password, but this "
            f"connection declares {', '.join(declared)}: say which is the user and which the "
            "password in auth_mapping.basic (username: <field>, password: <field>)"
        )
    return problems


def mapped_fields(mapping: AuthMappingSpec | None) -> Iterator[tuple[str, str]]:
    """(where, field name) of every mapping value that names a field (templates are not names)."""
    if mapping is None:
        return
    for where, values in (("headers", mapping.headers), ("query", mapping.query)):
        for key, source in values.items():
            if not is_template(source):
                yield f"{where}.{key}", source.strip()
    basic = mapping.basic
    if basic is not None:
        for key, source in (("username", basic.username), ("password", basic.password)):
            if source and not is_template(source):
                yield f"basic.{key}", source.strip()


def _fills(field: str, declared: list[str]) -> bool:
    """A one-field credential is also stored as ``token`` (the single-credential name)."""
    return field in declared or (field == "token" and len(declared) == 1)
