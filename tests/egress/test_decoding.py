"""Content-Encoding: gzip, deflate (wrapped or raw) and br are undone, and never past the bound."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from engine.egress.decoding import PIECE, Decoder, decode
from engine.errors import UpstreamReadError, UpstreamResponseTooLarge

TEXT = b'{"items": [' + b'{"id": 1, "name": "widget"},' * 2000 + b"{}]}"


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", raw_deflate(TEXT)),
        ("br", brotli.compress(TEXT)),
    ],
)
def test_each_encoding_is_undone(encoding: str, packed: bytes) -> None:
    assert decode(packed, encoding, len(TEXT)) == TEXT


def test_unknown_encodings_pass_through() -> None:
    assert decode(b"as sent", "zstd", 10) == b"as sent"
    assert decode(b"as sent", "", 10) == b"as sent"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_small_body_that_inflates_past_the_bound_is_refused(encoding: str) -> None:
    bomb = b"\0" * (20 * 1024 * 1024)
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[encoding](bomb)
    assert len(packed) < 100 * 1024
    with pytest.raises(UpstreamResponseTooLarge) as info:
        decode(packed, encoding, 1024 * 1024)
    assert info.value.public_message == "upstream response larger than 1 MiB"


def test_streamed_inflation_yields_bounded_pieces() -> None:
    bomb = b"\0" * (8 * 1024 * 1024)
    for encoding, packed in (("gzip", gzip.compress(bomb)), ("br", brotli.compress(bomb))):
        pieces = list(Decoder(encoding).feed(packed))
        assert sum(map(len, pieces)) == len(bomb)
        assert max(map(len, pieces)) <= 2 * PIECE  # brotli's bound is soft


def test_a_corrupt_body_is_a_read_error() -> None:
    with pytest.raises(UpstreamReadError):
        decode(b"not gzip at all", "gzip", 1024)
    with pytest.raises(UpstreamReadError):
        decode(b"not brotli at all", "br", 1024)
