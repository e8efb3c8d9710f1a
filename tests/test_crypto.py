"""Key derivation, AES-256-GCM at rest, sealed blobs, and bearer tokens (engine.md §11)."""

from __future__ import annotations

import base64
import hashlib
import re
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.crypto import Cipher, derive_key, hash_token, new_token
from engine.errors import CryptoError, DecryptionError, ExpiredSealedToken, InvalidSealedToken

HEX_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


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
    sealed = Cipher(derive_key(secret)).encrypt("payload")
    with pytest.raises(DecryptionError):
        Cipher(hashlib.sha256(secret.encode()).digest()).decrypt(sealed)


def test_bad_keys_are_refused() -> None:
    with pytest.raises(CryptoError):
        derive_key("")
    with pytest.raises(CryptoError):
        Cipher(b"short")
    assert "00112233" not in repr(Cipher(bytes.fromhex(HEX_KEY)))


# ---- encrypt / decrypt ----


def test_round_trip_and_wire_format(cipher: Cipher) -> None:
    ciphertext = cipher.encrypt("héllo wörld")
    raw = base64.b64decode(ciphertext, validate=True)
    assert len(raw) == 12 + len("héllo wörld".encode()) + 16
    assert AESGCM(bytes.fromhex(HEX_KEY)).decrypt(raw[:12], raw[12:], None) == "héllo wörld".encode()
    assert cipher.decrypt(ciphertext) == "héllo wörld"
    assert cipher.encrypt("same") != cipher.encrypt("same")  # fresh nonce every time


def test_empty_maps_to_empty(cipher: Cipher) -> None:
    assert cipher.encrypt("") == ""
    assert cipher.decrypt("") == ""


@pytest.mark.parametrize("position", [0, 11, 12, -1])
def test_any_flipped_byte_is_detected(cipher: Cipher, position: int) -> None:
    raw = bytearray(base64.b64decode(cipher.encrypt("top secret value")))
    raw[position] ^= 0x01
    with pytest.raises(DecryptionError) as info:
        cipher.decrypt(base64.b64encode(bytes(raw)).decode())
    assert "top secret" not in str(info.value)


@pytest.mark.parametrize("garbage", ["not base64!", "AAAA", base64.b64encode(b"x" * 27).decode()])
def test_malformed_ciphertext_is_rejected(cipher: Cipher, garbage: str) -> None:
    with pytest.raises(DecryptionError):
        cipher.decrypt(garbage)


def test_another_key_cannot_decrypt(cipher: Cipher) -> None:
    with pytest.raises(DecryptionError):
        Cipher(bytes(32)).decrypt(cipher.encrypt("secret"))


# ---- seal / unseal ----


def test_seal_round_trip_is_url_safe(cipher: Cipher) -> None:
    state = {"uid": "u1", "int": "github", "ver": "pkce-verifier", "cp": {"tenant": "x"}}
    token = cipher.seal(state, 600)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert cipher.unseal(token) == state


def test_seal_expires_strictly_after_exp(cipher: Cipher) -> None:
    issued = time.time()
    token = cipher.seal({"uid": "u"}, 600, now=issued)
    assert cipher.unseal(token, now=int(issued) + 600) == {"uid": "u"}
    with pytest.raises(ExpiredSealedToken):
        cipher.unseal(token, now=int(issued) + 601)


def test_tampered_or_foreign_seals_are_rejected(cipher: Cipher) -> None:
    token = cipher.seal({"uid": "u"}, 600)
    flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    for bad in (flipped, token[:-2], "", "%%%", Cipher(bytes(32)).seal({"uid": "u"}, 600)):
        with pytest.raises(InvalidSealedToken):
            cipher.unseal(bad)


def test_sealed_payloads_must_be_objects_with_exp(cipher: Cipher) -> None:
    raw = base64.b64decode(cipher.encrypt('["not", "an", "object"]'))
    with pytest.raises(InvalidSealedToken):
        cipher.unseal(base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
    no_exp = base64.b64decode(cipher.encrypt('{"uid": "u"}'))
    with pytest.raises(InvalidSealedToken):
        cipher.unseal(base64.urlsafe_b64encode(no_exp).rstrip(b"=").decode())
    with pytest.raises(CryptoError):
        cipher.seal({"exp": 1}, 600)


# ---- bearer tokens ----


def test_new_tokens_and_their_hashes() -> None:
    token = new_token()
    assert re.fullmatch(r"gst_api_[0-9a-f]{64}", token)
    assert re.fullmatch(r"gst_ses_[0-9a-f]{64}", new_token("gst_ses_"))
    assert new_token() != token
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
