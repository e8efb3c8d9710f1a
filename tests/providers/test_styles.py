"""Parameter styles against the Style Examples table of OpenAPI 3.1.1, row by row."""

from __future__ import annotations

from typing import Any

import pytest

from engine.compiler.styles import compiled_style, swagger_style
from engine.providers.styles import header_text, path_text, query_fragments

STRING, ARRAY, OBJECT = "blue", ["blue", "black", "brown"], {"R": 100, "G": 200, "B": 150}

# (style, explode): (string, array, object), exactly as the table shows them (query rows without "?").
TABLE: dict[tuple[str, bool], tuple[str, str, str]] = {
    ("matrix", False): (";color=blue", ";color=blue,black,brown", ";color=R,100,G,200,B,150"),
    ("matrix", True): (";color=blue", ";color=blue;color=black;color=brown", ";R=100;G=200;B=150"),
    ("label", False): (".blue", ".blue,black,brown", ".R,100,G,200,B,150"),
    ("label", True): (".blue", ".blue.black.brown", ".R=100.G=200.B=150"),
    ("simple", False): ("blue", "blue,black,brown", "R,100,G,200,B,150"),
    ("simple", True): ("blue", "blue,black,brown", "R=100,G=200,B=150"),
    ("form", False): ("color=blue", "color=blue,black,brown", "color=R,100,G,200,B,150"),
    ("form", True): ("color=blue", "color=blue&color=black&color=brown", "R=100&G=200&B=150"),
}
QUERY_ONLY = {  # n/a cells are left out
    ("spaceDelimited", False): ("color=blue%20black%20brown", "color=R%20100%20G%20200%20B%20150"),
    ("pipeDelimited", False): ("color=blue%7Cblack%7Cbrown", "color=R%7C100%7CG%7C200%7CB%7C150"),
}


def write(location: str, style: str, value: Any) -> str:
    if location == "query":
        return "&".join(query_fragments(style, "color", value))
    if location == "header":
        return header_text(style, value)
    return path_text(style, "color", value)


@pytest.mark.parametrize(("row", "cells"), TABLE.items(), ids=[f"{s}-{e}" for s, e in TABLE])
def test_the_table(row: tuple[str, bool], cells: tuple[str, str, str]) -> None:
    location = "query" if row[0] == "form" else "path"
    style = compiled_style(location, *row)
    assert style is not None
    assert tuple(write(location, style, v) for v in (STRING, ARRAY, OBJECT)) == cells
    if row[0] == "simple":  # headers use simple too, unencoded
        assert tuple(write("header", style, v) for v in (STRING, ARRAY, OBJECT)) == cells


@pytest.mark.parametrize(("row", "cells"), QUERY_ONLY.items(), ids=[s for s, _ in QUERY_ONLY])
def test_the_delimited_query_rows(row: tuple[str, bool], cells: tuple[str, str]) -> None:
    style = compiled_style("query", *row)
    assert style is not None
    assert (write("query", style, ARRAY), write("query", style, OBJECT)) == cells


def test_deep_object_and_its_undefined_corners() -> None:
    style = compiled_style("query", "deepObject", True)
    assert style == "deepObject"
    assert write("query", style, OBJECT) == "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"
    nested = {"status": {"in": ["open", "held"]}, "q": "a b"}  # not in the table: brackets nest
    assert write("query", style, nested) == (
        "color%5Bstatus%5D%5Bin%5D=open&color%5Bstatus%5D%5Bin%5D=held&color%5Bq%5D=a%20b"
    )


def test_delimiters_inside_values_stay_values() -> None:
    assert write("query", "form", ["a,b", "c"]) == "color=a%2Cb,c"
    assert write("path", "simple", ["a/b", "c d"]) == "a%2Fb,c%20d"
    assert write("query", "form*", []) == ""  # undefined: left out


def test_swagger_collection_formats() -> None:
    formats = {
        "csv": "a,b",
        "ssv": "a%20b",
        "tsv": "a%09b",
        "pipes": "a%7Cb",
        "multi": "a&ids=b",
        None: "a,b",
    }
    for collection, written in formats.items():
        assert write("query", swagger_style("query", collection), ["a", "b"]).replace("color", "ids") == (
            f"ids={written}"
        )
    assert path_text(swagger_style("path", "multi"), "ids", ["a", "b"]) == "a,b"
