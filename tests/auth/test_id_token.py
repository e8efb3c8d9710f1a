"""ID token verification refuses what it must, independent of any HTTP flow.

Tokens are signed by the test provider's own code (``tests/support/oidc_provider.py``), not by
PyJWT, so these tests check the wire format as a provider sends it."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from engine.auth.id_token import LEEWAY_SECONDS, IdTokenError, header_kid, select_key, verify
from tests.support.oidc_provider import OpenIDProvider, b64url

ISSUER = "https://idp"


def claims(**changes: Any) -> dict[str, Any]:
    base = {"iss": ISSUER, "aud": "client", "exp": int(time.time()) + 60, "nonce": "n"}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def check(idp: OpenIDProvider, token: str, *, issuers: tuple[str, ...] = (ISSUER,)) -> dict[str, Any]:
    key = select_key(idp.jwks(), header_kid(token))
    assert key is not None
    return verify(token, key, issuers=issuers, client_id="client", nonce="n")


def refusal(idp: OpenIDProvider, token: str, **kwargs: Any) -> str:
    with pytest.raises(IdTokenError) as info:
        check(idp, token, **kwargs)
    return str(info.value)


def _unsigned(alg: str, kid: str) -> str:
    header = b64url(json.dumps({"alg": alg, "kid": kid}).encode())
    return f"{header}.{b64url(json.dumps(claims()).encode())}.{b64url(b'sig')}"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512"])
def test_only_rs256_is_accepted(alg: str) -> None:
    idp = OpenIDProvider()
    assert refusal(idp, _unsigned(alg, idp.kid)) == "unexpected algorithm"


def test_a_valid_token_round_trips() -> None:
    idp = OpenIDProvider()
    assert check(idp, idp.sign(claims()))["nonce"] == "n"


def test_a_signature_by_another_key_is_refused() -> None:
    idp = OpenIDProvider()
    forged = idp.sign(claims(), key=rsa.generate_private_key(65537, 2048))
    assert refusal(idp, forged) == "bad signature"


def test_the_key_is_chosen_by_kid() -> None:
    idp, other = OpenIDProvider(), OpenIDProvider(kid="key-2")
    jwks = {"keys": [*other.jwks()["keys"], *idp.jwks()["keys"]]}
    chosen = select_key(jwks, idp.kid)
    assert chosen is not None and chosen.key_id == idp.kid
    assert verify(idp.sign(claims()), chosen, issuers=[ISSUER], client_id="client", nonce="n")
    assert select_key(jwks, "key-3") is None


def test_no_kid_and_several_keys_is_refused() -> None:
    idp = OpenIDProvider()
    jwks = idp.jwks()
    jwks["keys"] = [jwks["keys"][0], {**jwks["keys"][0], "kid": "key-2"}]
    assert select_key(jwks, "") is None
    jwks["keys"] = jwks["keys"][:1]
    assert select_key(jwks, "") is not None  # the only candidate


@pytest.mark.parametrize(
    "jwk_changes",
    [{"kty": "EC"}, {"use": "enc"}, {"alg": "RS512"}],
    ids=["not-rsa", "not-signing", "other-alg"],
)
def test_keys_that_are_not_rs256_signing_keys_are_skipped(jwk_changes: dict[str, str]) -> None:
    idp = OpenIDProvider()
    jwks = {"keys": [{**idp.jwks()["keys"][0], **jwk_changes}]}
    assert select_key(jwks, idp.kid) is None


def test_an_issuer_outside_the_accepted_ones_is_refused() -> None:
    idp = OpenIDProvider()
    token = idp.sign(claims(iss="https://elsewhere"))
    assert refusal(idp, token) == "issuer mismatch"
    assert check(idp, token, issuers=(ISSUER, "https://elsewhere"))["iss"] == "https://elsewhere"


def test_expiry_allows_a_minute_of_clock_skew() -> None:
    idp = OpenIDProvider()
    now = int(time.time())
    assert check(idp, idp.sign(claims(exp=now - LEEWAY_SECONDS + 5)))
    assert refusal(idp, idp.sign(claims(exp=now - LEEWAY_SECONDS - 5))) == "expired"
    assert refusal(idp, idp.sign(claims(nbf=now + LEEWAY_SECONDS + 30))) == "not yet valid"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": ["client", "other"]}, "authorized party mismatch"),
        ({"aud": []}, "missing required claim"),  # PyJWT counts an empty list as absent
        ({"aud": "other"}, "audience mismatch"),
        ({"aud": None}, "missing required claim"),
        ({"exp": None}, "missing required claim"),
        ({"exp": "soon"}, "malformed token"),
        ({"nonce": ""}, "nonce mismatch"),
        ({"nonce": "replayed"}, "nonce mismatch"),
    ],
    ids=[
        "multi-audience-without-azp",
        "no-audience",
        "other-audience",
        "audience-missing",
        "exp-missing",
        "non-numeric-exp",
        "empty-nonce",
        "other-nonce",
    ],
)
def test_claims_refused(changes: dict[str, Any], reason: str) -> None:
    idp = OpenIDProvider()
    assert refusal(idp, idp.sign(claims(**changes))) == reason


def test_several_audiences_need_the_client_as_authorized_party() -> None:
    idp = OpenIDProvider()
    assert check(idp, idp.sign(claims(aud=["client", "other"], azp="client")))


def test_a_token_that_is_not_a_jws_is_refused() -> None:
    with pytest.raises(IdTokenError, match="malformed token"):
        header_kid("not-a-token")
