"""A ``plugin.python`` factory for the dry-run tests: code the engine cannot look inside. Its one
operation is compiled from an inline REST spec; executing it fails the test."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.compiler.model import ProviderInfo
from engine.compiler.rest import compile_rest
from engine.config.spec import IntegrationSpec, OperationSpec
from engine.egress.request import Result


class Hello(ProviderInfo):
    async def execute(self, call: Any) -> Result:
        raise AssertionError("a dry run must not execute a python provider")


def provider(spec: IntegrationSpec, client: Any) -> Hello:
    operation = OperationSpec(name="hello", method="GET", path="/hello")
    inline = replace(
        spec, plugin=replace(spec.plugin, python="", base_url="http://127.0.0.1:9", operations=(operation,))
    )
    info, issues = compile_rest(inline)
    assert not issues, issues
    return Hello(name=spec.name, operations=info.operations, connections=info.connections)
