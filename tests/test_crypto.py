"""Key derivation, key ids, AES-256-GCM envelopes bound to their row, several keys, the format before
the envelope, sealed blobs, and bearer tokens (engine.md §11)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.crypto import Cipher, derive_key, hash_token, key_id, new_token
from engine.errors import (
    CryptoError,
    DecryptionError,
    ExpiredSealedToken,
    InvalidSealedToken,
    MisboundCiphertext,
    UnknownEncryptionKey,
)

HEX_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
ROW = ("integration_tokens", "access_token_encrypted", "alice", "github", "", "default")


@pytest.fixture(scope="module")
def cipher() -> Cipher:
    return Cipher(bytes.fromhex(HEX_KEY))


# ---- derive_key ----


def test_hex_keys_are_used_directly_in_either_case() -> None:
    assert derive_key(HEX_KEY) == bytes.fromhex(HEX_KEY)
    assert derive_key(HEX_KEY.upper()) == bytes.fromhex(HEX_KEY)


def test_passphrases_go_through_argon2id_deterministically() -> None:
    key = derive_key("correct horse battery staple")
    assert len(key) == 32
    assert derive_key("correct horse battery staple") == key
    assert derive_key("correct horse battery stapl") != key
    not_quite_hex = "g" + HEX_KEY[1:]  # 64 characters but not hex → passphrase
    assert derive_key(not_quite_hex) != bytes.fromhex("0" + HEX_KEY[1:])
    assert len(derive_key(not_quite_hex)) == 32


def test_a_sha256_key_cannot_read_what_argon2_sealed() -> None:
    secret = "my-passphrase"
    sealed = Cipher(derive_key(secret)).encrypt("payload", bound_to=ROW)
    with pytest.raises(DecryptionError):
        Cipher(hashlib.sha256(secret.encode()).digest()).decrypt(sealed, bound_to=ROW)


def test_bad_keys_are_refused() -> None:
    with pytest.raises(CryptoError):
        derive_key("")
    with pytest.raises(CryptoError):
        Cipher(b"short")
    with pytest.raises(CryptoError):
        Cipher(bytes(32), [b"short"])
    with pytest.raises(CryptoError, match="configured twice"):
        Cipher(bytes(32), [bytes(32)])
    assert "00112233" not in repr(Cipher(bytes.fromhex(HEX_KEY)))


# ---- key ids ----


def test_key_ids_name_a_key_without_revealing_it() -> None:
    key = bytes.fromhex(HEX_KEY)
    kid = key_id(key)
    assert re.fullmatch(r"[0-9a-f]{8}", kid)
    assert kid == hmac.new(key, b"gestalt key id v1", hashlib.sha256).hexdigest()[:8]
    assert kid not in HEX_KEY and kid != key_id(bytes(32))
    ring = Cipher(key, [bytes(32)])
    assert ring.write_key_id == kid and ring.key_ids == (kid, key_id(bytes(32)))


# ---- encrypt / decrypt ----


def _payload(ciphertext: str) -> tuple[str, bytes]:
    header, body = ciphertext[:12], ciphertext[12:]
    return header, base64.b64decode(body, validate=True)


def test_round_trip_and_wire_format(cipher: Cipher) -> None:
    ciphertext = cipher.encrypt("héllo wörld", bound_to=ROW)
    header, raw = _payload(ciphertext)
    assert header == f"g1.{key_id(bytes.fromhex(HEX_KEY))}."
    assert len(raw) == 12 + len("héllo wörld".encode()) + 16
    associated = "\0".join((header, *ROW)).encode()
    assert AESGCM(bytes.fromhex(HEX_KEY)).decrypt(raw[:12], raw[12:], associated) == "héllo wörld".encode()
    assert cipher.decrypt(ciphertext, bound_to=ROW) == "héllo wörld"
    assert cipher.encrypt("same", bound_to=ROW) != cipher.encrypt("same", bound_to=ROW)  # fresh nonce


def test_empty_maps_to_empty(cipher: Cipher) -> None:
    assert cipher.encrypt("", bound_to=ROW) == ""
    assert cipher.decrypt("", bound_to=ROW) == ""
    assert cipher.is_current("")


@pytest.mark.parametrize("position", [0, 11, 12, -1])
def test_any_flipped_byte_is_detected(cipher: Cipher, position: int) -> None:
    header, payload = _payload(cipher.encrypt("top secret value", bound_to=ROW))
    raw = bytearray(payload)
    raw[position] ^= 0x01
    with pytest.raises(DecryptionError) as info:
        cipher.decrypt(header + base64.b64encode(bytes(raw)).decode(), bound_to=ROW)
    assert "top secret" not in str(info.value)


@pytest.mark.parametrize(
    "garbage",
    ["not base64!", "AAAA", base64.b64encode(b"x" * 27).decode(), "g1.zz.AAAA", "g1.0123456.AAAA", "g1.x"],
)
def test_malformed_ciphertext_is_rejected(cipher: Cipher, garbage: str) -> None:
    with pytest.raises(DecryptionError):
        cipher.decrypt(garbage, bound_to=ROW)


def test_another_key_cannot_decrypt(cipher: Cipher) -> None:
    other = Cipher(bytes(32))
    with pytest.raises(UnknownEncryptionKey) as info:
        other.decrypt(cipher.encrypt("secret", bound_to=ROW), bound_to=ROW)
    message = f"stored secret was encrypted under key {cipher.write_key_id}, which is not configured"
    assert str(info.value) == message
    with pytest.raises(DecryptionError):
        other.decrypt(_legacy(bytes.fromhex(HEX_KEY), b"secret"), bound_to=ROW)


def test_a_value_bound_to_one_row_does_not_open_in_another(cipher: Cipher) -> None:
    stored = cipher.encrypt("alice's token", bound_to=ROW)
    for elsewhere in (
        ("integration_tokens", "access_token_encrypted", "bob", "github", "", "default"),
        ("integration_tokens", "refresh_token_encrypted", "alice", "github", "", "default"),
        ("integration_tokens", "access_token_encrypted", "alice", "github", "", "work"),
        ("integration_tokens", "access_token_encrypted", "alice", "githu", "b", "default"),
    ):
        with pytest.raises(MisboundCiphertext) as info:
            cipher.decrypt(stored, bound_to=elsewhere)
        assert str(info.value) == "stored secret does not belong to this row, or was altered"


def test_bindings_that_join_alike_stay_apart(cipher: Cipher) -> None:
    stored = cipher.encrypt("secret", bound_to=("t", "a", "b"))
    for lookalike in (("t", "a\0b"), ("t\0a", "b"), ("t", "a", "b", "")):
        with pytest.raises(MisboundCiphertext):
            cipher.decrypt(stored, bound_to=lookalike)
    nul = cipher.encrypt("secret", bound_to=("t", "a\0b"))
    assert cipher.decrypt(nul, bound_to=("t", "a\0b")) == "secret"
    with pytest.raises(MisboundCiphertext):
        cipher.decrypt(nul, bound_to=("t\0a", "b"))


def test_a_relabelled_key_id_does_not_open() -> None:
    old, new = bytes(32), bytes.fromhex(HEX_KEY)
    ring = Cipher(new, [old])
    written = Cipher(old).encrypt("secret", bound_to=ROW)
    relabelled = ring.write_header + written[12:]  # claims the write key
    with pytest.raises(MisboundCiphertext):
        ring.decrypt(relabelled, bound_to=ROW)


# ---- several keys, and the format before the envelope ----


def _legacy(key: bytes, data: bytes) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, data, None)).decode()


def test_the_write_key_writes_and_every_key_reads() -> None:
    old, new = bytes(32), bytes.fromhex(HEX_KEY)
    before = Cipher(old).encrypt("written before", bound_to=ROW)
    ring = Cipher(new, [old])
    assert not ring.is_current(before)
    assert ring.decrypt(before, bound_to=ROW) == "written before"
    after = ring.encrypt("written after", bound_to=ROW)
    assert ring.is_current(after) and after.startswith(f"g1.{key_id(new)}.")
    assert Cipher(new).decrypt(after, bound_to=ROW) == "written after"


def test_pre_envelope_values_open_under_any_configured_key() -> None:
    old, new = bytes(32), bytes.fromhex(HEX_KEY)
    ring = Cipher(new, [old])
    for key in (old, new):
        legacy = _legacy(key, b"from before")
        assert not ring.is_current(legacy)
        assert ring.decrypt(legacy, bound_to=ROW) == "from before"
        assert ring.decrypt(legacy, bound_to=("any", "row")) == "from before"  # it carries no binding
    with pytest.raises(DecryptionError):
        Cipher(new).decrypt(_legacy(old, b"x"), bound_to=ROW)


# ---- seal / unseal ----


def test_seal_round_trip_is_url_safe(cipher: Cipher) -> None:
    state = {"uid": "u1", "int": "github", "ver": "pkce-verifier", "cp": {"tenant": "x"}}
    token = cipher.seal(state, 600)
    assert re.fullmatch(r"g1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+", token)
    assert cipher.unseal(token) == state


def test_seals_survive_a_key_change_and_the_old_format_still_opens() -> None:
    old, new = bytes(32), bytes.fromhex(HEX_KEY)
    sealed_before = Cipher(old).seal({"uid": "u"}, 600)
    raw = base64.b64decode(_legacy(old, json.dumps({"uid": "l", "exp": int(time.time()) + 60}).encode()))
    legacy = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    ring = Cipher(new, [old])
    assert ring.unseal(sealed_before) == {"uid": "u"}
    assert ring.unseal(legacy) == {"uid": "l"}
    with pytest.raises(InvalidSealedToken):
        Cipher(new).unseal(sealed_before)


def test_a_stored_value_is_not_a_sealed_blob(cipher: Cipher) -> None:
    stored = cipher.encrypt(json.dumps({"uid": "u", "exp": int(time.time()) + 60}), bound_to=ROW)
    header, raw = _payload(stored)
    with pytest.raises(InvalidSealedToken):
        cipher.unseal(header + base64.urlsafe_b64encode(raw).rstrip(b"=").decode())


def test_seal_expires_strictly_after_exp(cipher: Cipher) -> None:
    issued = time.time()
    token = cipher.seal({"uid": "u"}, 600, now=issued)
    assert cipher.unseal(token, now=int(issued) + 600) == {"uid": "u"}
    with pytest.raises(ExpiredSealedToken):
        cipher.unseal(token, now=int(issued) + 601)


def test_tampered_or_foreign_seals_are_rejected(cipher: Cipher) -> None:
    token = cipher.seal({"uid": "u"}, 600)
    flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    for bad in (flipped, token[:-2], "", "%%%", "g1.", Cipher(bytes(32)).seal({"uid": "u"}, 600)):
        with pytest.raises(InvalidSealedToken):
            cipher.unseal(bad)


def _sealed_legacy(data: str) -> str:
    raw = base64.b64decode(_legacy(bytes.fromhex(HEX_KEY), data.encode()))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_sealed_payloads_must_be_objects_with_exp(cipher: Cipher) -> None:
    with pytest.raises(InvalidSealedToken):
        cipher.unseal(_sealed_legacy('["not", "an", "object"]'))
    with pytest.raises(InvalidSealedToken):
        cipher.unseal(_sealed_legacy('{"uid": "u"}'))
    with pytest.raises(CryptoError):
        cipher.seal({"exp": 1}, 600)


# ---- bearer tokens ----


def test_new_tokens_and_their_hashes() -> None:
    token = new_token()
    assert re.fullmatch(r"gst_api_[0-9a-f]{64}", token)
    assert re.fullmatch(r"gst_ses_[0-9a-f]{64}", new_token("gst_ses_"))
    assert new_token() != token
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
