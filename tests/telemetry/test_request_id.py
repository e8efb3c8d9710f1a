"""Which incoming ids are honoured, and what a new one looks like."""

from __future__ import annotations

import uuid

import pytest

from engine.telemetry.request_id import accepted_or_new, current_request_id


@pytest.mark.parametrize(
    "incoming",
    [
        b"3f1c2a9e-8d7b-4c6a-9e2f-1a2b3c4d5e6f",
        b"abc123",
        b"Root=1-5759e988-bd862e3fe1be46a994272793",
        b"a" * 128,
    ],
)
def test_a_valid_incoming_id_is_kept(incoming: bytes) -> None:
    assert accepted_or_new(incoming) == incoming.decode()


@pytest.mark.parametrize(
    "incoming", [None, b"", b"has space", b"new\nline", b'quote"d', b"a" * 129, "café".encode()]
)
def test_an_invalid_or_missing_id_is_replaced_by_a_uuid4(incoming: bytes | None) -> None:
    made = accepted_or_new(incoming)
    parsed = uuid.UUID(made)
    assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122) and made != accepted_or_new(incoming)


def test_outside_a_request_there_is_no_current_id() -> None:
    assert current_request_id() == ""
