"""Parsed-document cache in a temp dir, so tests never write beside shared corpus files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _document_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "document-cache"))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
