"""Undoing ``Content-Encoding`` (gzip, deflate, br) without letting a body inflate past a bound.

The engine never asks for compression on operations, but upstreams send it anyway, and the MCP
SDK asks for it. A buffered body is inflated at most to ``limit`` bytes (one more byte of output
is a ``UpstreamResponseTooLarge``); a streamed body is inflated piece by piece, each piece about
``PIECE`` bytes at most, so memory stays bounded however large the stream. An encoding we do not know
passes through unchanged, as it always has.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from engine.errors import UpstreamReadError, UpstreamResponseTooLarge

PIECE = 64 * 1024
DECODED = frozenset({"gzip", "x-gzip", "deflate", "br"})


def content_encoding(value: str | None) -> str:
    return (value or "").strip().lower()


def decode(body: bytes, encoding: str, limit: int) -> bytes:
    """``body`` inflated; raises ``UpstreamResponseTooLarge`` past ``limit``, ``UpstreamReadError``
    for a corrupt body."""
    if encoding not in DECODED:
        return body
    decoder = Decoder(encoding)
    out = bytearray()
    for piece in decoder.feed(body):
        out += piece
        if len(out) > limit:
            raise UpstreamResponseTooLarge(limit)
    return bytes(out)


class Decoder:
    """Incremental inflation of one body; ``feed`` yields pieces of at most ``PIECE`` bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib: Any = None
        self._brotli: Any = None
        self._raw_deflate_tried = False
        if encoding == "br":
            import brotli  # only when an upstream sends br

            self._brotli = brotli.Decompressor()
        else:
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            if self._brotli is not None:
                yield from self._feed_brotli(data)
            else:
                yield from self._feed_zlib(data)
        except UpstreamReadError:
            raise
        except Exception as exc:  # zlib.error, brotli.error: a corrupt body
            raise UpstreamReadError() from exc

    def _feed_zlib(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                piece = self._zlib.decompress(data, PIECE)
            except zlib.error:
                if self.encoding != "deflate" or self._raw_deflate_tried:
                    raise
                # "deflate" is meant to be zlib-wrapped; some servers send it raw.
                self._raw_deflate_tried = True
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._raw_deflate_tried = True
            if piece:
                yield piece
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                return

    def _feed_brotli(self, data: bytes) -> Iterator[bytes]:
        # output_buffer_limit is a soft bound (about 96 KiB a call here): call until nothing comes.
        piece = self._brotli.process(data, output_buffer_limit=PIECE)
        while piece:
            yield piece
            if self._brotli.is_finished():
                return
            piece = self._brotli.process(b"", output_buffer_limit=PIECE)
