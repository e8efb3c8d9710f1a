"""ID token verification refuses what it must, independent of any HTTP flow."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from engine.auth.id_token import IdTokenError, check_claims, select_key, verify_signature
from tests.support.oidc_provider import OpenIDProvider, b64url

CLAIMS = {"iss": "https://idp", "aud": "client", "exp": int(time.time()) + 60, "nonce": "n"}


def _unsigned(alg: str) -> str:
    header = b64url(json.dumps({"alg": alg}).encode())
    return f"{header}.{b64url(json.dumps(CLAIMS).encode())}.{b64url(b'sig')}"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512"])
def test_only_rs256_is_accepted(alg: str) -> None:
    key = rsa.generate_private_key(65537, 2048).public_key()
    with pytest.raises(IdTokenError):
        verify_signature(_unsigned(alg), key)


def test_a_valid_token_round_trips() -> None:
    idp = OpenIDProvider()
    key = select_key(idp.jwks(), idp.kid)
    assert key is not None
    claims = verify_signature(idp.sign(CLAIMS), key)
    check_claims(claims, issuer="https://idp", client_id="client", nonce="n")


def test_no_kid_and_several_keys_is_refused() -> None:
    idp = OpenIDProvider()
    jwks = idp.jwks()
    jwks["keys"] = [jwks["keys"][0], {**jwks["keys"][0], "kid": "key-2"}]
    assert select_key(jwks, "") is None


@pytest.mark.parametrize(
    "changes",
    [{"aud": ["client", "other"]}, {"aud": []}, {"exp": "soon"}, {"nonce": ""}],
    ids=["multi-audience-without-azp", "no-audience", "non-numeric-exp", "empty-nonce"],
)
def test_claims_refused(changes: dict[str, object]) -> None:
    with pytest.raises(IdTokenError):
        check_claims({**CLAIMS, **changes}, issuer="https://idp", client_id="client", nonce="n")
