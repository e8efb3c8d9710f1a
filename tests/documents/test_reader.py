"""Parsing spec documents: integers past 64 bits are valid, a broken document says where."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.cli import main
from engine.documents.reader import parse_document
from engine.errors import DocumentUnavailable
from tests.support.configs import write_config

WIDE = 123456789012345678901234567890  # past orjson's 64 bits

YAML_DOC = f"""
openapi: 3.0.3
info: {{title: Wide, version: "1"}}
servers: [{{url: "http://127.0.0.1:9/"}}]
paths:
  /accounts/{{id}}:
    get:
      operationId: getAccount
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: integer, maximum: {WIDE}}}, example: {WIDE}}}
"""


def test_wide_integers_parse_exactly_from_json_yaml_and_the_cache(tmp_path: Path) -> None:
    json_doc = b'{"openapi": "3.1.0", "x": [%d, -%d, 1.5, "12345678901234567890123"]}' % (WIDE, WIDE)
    assert parse_document(json_doc)["x"] == [WIDE, -WIDE, 1.5, "12345678901234567890123"]
    big = YAML_DOC + f"x-padding: {'x' * 300_000}\n"  # past the size worth a disk cache entry
    first = parse_document(big.encode(), tmp_path)
    assert list(tmp_path.glob("*.json")), "the parsed form was cached"
    param = first["paths"]["/accounts/{id}"]["get"]["parameters"][0]
    assert param["example"] == WIDE and type(param["example"]) is int
    from engine.documents import reader

    reader._PARSED.clear()  # the next parse reads the disk cache
    assert parse_document(big.encode(), tmp_path) == first


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        (
            "openapi: 3.0.3\npaths:\n  /a: [1\n  /b: {}\n",
            "4:5",
            "not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence)",
        ),
        ('{"openapi": "3.0.3",\n "paths": {,}}\n', "2:12", "not valid JSON: unexpected character"),
    ],
)
def test_a_broken_document_names_its_file_as_written_and_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, problem: str
) -> None:
    (tmp_path / "providers.d" / "specs").mkdir(parents=True)
    (tmp_path / "providers.d" / "specs" / "broken.yaml").write_text(text)
    config = write_config(tmp_path, {"broken": {"plugin": {"openapi": "specs/broken.yaml"}}})
    assert main(["validate", "--config", str(config)]) == 1
    out = capsys.readouterr().out.strip()
    location = yaml.safe_load((tmp_path / "providers.d" / "broken.yaml").read_text())
    assert location == {"plugin": {"openapi": "specs/broken.yaml"}}
    head, _, tail = out.partition(": integration ")
    assert head.endswith("broken.yaml:2:3")  # the line of the `openapi` key
    assert tail.startswith(f'"broken": openapi specs/broken.yaml:{where}: {problem}'), out
    assert str(tmp_path) not in tail


def test_parse_failures_carry_the_position() -> None:
    with pytest.raises(DocumentUnavailable) as info:
        parse_document(b"a: 1\nb: [\n")
    assert (info.value.line, info.value.col) == (3, 1)
