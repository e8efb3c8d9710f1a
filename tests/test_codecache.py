"""The dataclass code cache: same classes with or without it, reused across starts, never an error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.codecache import dataclass_code_cache, default_path


def _make_class() -> type:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: int = 2
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)

    return Point


def _check(cls: type) -> None:
    p = cls(1)
    assert (p.x, p.y, p.tags) == (1, 2, ())
    assert p == cls(1, 2, ()) and p != cls(1, 3)
    assert hash(p) == hash(cls(1))
    assert repr(p).endswith("Point(x=1, y=2, tags=())")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5
    # compiled without this module's `from __future__ import annotations`, as dataclasses does
    assert vars(cls)["__init__"].__annotations__["return"] is None


def test_classes_are_the_same_and_the_second_start_compiles_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "code.marshal"
    with dataclass_code_cache(path) as first:
        _check(_make_class())
    assert first.misses > 0 and path.is_file()
    assert "exec" not in vars(dataclasses)  # the shadow is gone after the block

    with dataclass_code_cache(path) as second:
        _check(_make_class())
    assert second.misses == 0
    assert len(second.used) == len(first.used)


def test_a_corrupt_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "code.marshal"
    path.write_bytes(b"\x00not marshal data")
    with dataclass_code_cache(path) as cache:
        _check(_make_class())
    assert cache.misses > 0
    with dataclass_code_cache(path) as again:
        _make_class()
    assert again.misses == 0


def test_an_unwritable_location_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with dataclass_code_cache(blocker / "code.marshal") as cache:
        _check(_make_class())
    assert cache.misses > 0
    assert not (blocker / "code.marshal").exists()


def test_no_path_means_no_cache() -> None:
    with dataclass_code_cache(None) as cache:
        _check(_make_class())
    assert cache.misses > 0


def test_the_cache_lives_under_the_user_cache_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = default_path()
    assert path is not None and path.parent == tmp_path / "gestaltd"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # not a usable base: no cache at all
    assert default_path() is None
