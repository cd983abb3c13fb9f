"""DPoP proofs (RFC 9449) and public JWKs: what is accepted, and each way a proof is
refused. Pure: replay is the single-use store's job (tests/identity/test_clients.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from rempart.identity.client_errors import InvalidDpopProof
from rempart.identity.dpop import normalised_uri, verify_proof
from rempart.identity.jwk import KeyRefused, public_jwk, thumbprint

from .clientkit import RESOURCE_URL, TOKEN_URL, Key, b64, unsigned

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["ec", "ed25519", "rsa"])
def test_a_good_proof_gives_its_key_thumbprint(kind: str) -> None:
    key = Key(kind)
    proof = verify_proof(
        key.proof("POST", TOKEN_URL, now=NOW), method="POST", url=TOKEN_URL, now=NOW
    )
    assert proof.jkt == key.thumbprint() == thumbprint(public_jwk(key.public_jwk))
    assert proof.jti
    assert proof.issued_at == NOW


def test_the_proof_binds_the_access_token() -> None:
    key = Key()
    proof = key.proof("GET", RESOURCE_URL, now=NOW, access_token="the-token")
    verified = verify_proof(
        proof, method="GET", url=RESOURCE_URL, now=NOW, access_token="the-token"
    )
    assert verified.jkt == key.thumbprint()
    with pytest.raises(InvalidDpopProof, match="ath"):
        verify_proof(proof, method="GET", url=RESOURCE_URL, now=NOW, access_token="another")
    without = key.proof("GET", RESOURCE_URL, now=NOW)
    with pytest.raises(InvalidDpopProof, match="ath"):
        verify_proof(without, method="GET", url=RESOURCE_URL, now=NOW, access_token="the-token")


def test_a_missing_or_garbled_proof_is_refused() -> None:
    for proof in (None, "", "not-a-jwt", "a.b.c", "x" * 9000):
        with pytest.raises(InvalidDpopProof):
            verify_proof(proof, method="POST", url=TOKEN_URL, now=NOW)


def test_header_rules() -> None:
    key = Key()
    refusals = {
        "typ": key.proof("POST", TOKEN_URL, now=NOW, typ="JWT"),
        "no jwk": key.proof("POST", TOKEN_URL, now=NOW, jwk=None),
        "private members": key.proof("POST", TOKEN_URL, now=NOW, jwk=key.private_jwk()),
        "another key's jwk": key.proof("POST", TOKEN_URL, now=NOW, jwk=Key().public_jwk),
        "alg of another key type": key.proof(
            "POST", TOKEN_URL, now=NOW, jwk=Key("ed25519").public_jwk
        ),
    }
    for proof in refusals.values():
        with pytest.raises(InvalidDpopProof):
            verify_proof(proof, method="POST", url=TOKEN_URL, now=NOW)


def test_symmetric_and_unsigned_proofs_are_refused() -> None:
    key = Key()
    claims = {"jti": "j", "htm": "POST", "htu": TOKEN_URL, "iat": int(NOW.timestamp())}
    header = {"typ": "dpop+jwt", "jwk": key.public_jwk}
    hmac = jwt.encode(claims, "s" * 32, algorithm="HS256", headers=header)
    none = unsigned({**header, "alg": "none"}, claims)
    for proof in (hmac, none):
        with pytest.raises(InvalidDpopProof, match="alg"):
            verify_proof(proof, method="POST", url=TOKEN_URL, now=NOW)


def test_a_tampered_proof_is_refused() -> None:
    proof = Key().proof("POST", TOKEN_URL, now=NOW)
    head, body, signature = proof.split(".")
    forged = b64(b'{"jti":"x","htm":"POST","htu":"' + TOKEN_URL.encode() + b'","iat":1}')
    with pytest.raises(InvalidDpopProof, match="signature"):
        verify_proof(f"{head}.{forged}.{signature}", method="POST", url=TOKEN_URL, now=NOW)
    assert body != forged


def test_claim_rules() -> None:
    key = Key()
    old = int((NOW - timedelta(seconds=61)).timestamp())
    future = int((NOW + timedelta(seconds=61)).timestamp())
    refusals = {
        "method": (key.proof("GET", TOKEN_URL, now=NOW), "method"),
        "uri": (key.proof("POST", RESOURCE_URL, now=NOW), "URI"),
        "host": (key.proof("POST", TOKEN_URL.replace("rempart", "evil"), now=NOW), "URI"),
        "old": (key.proof("POST", TOKEN_URL, now=NOW, iat=old), "iat"),
        "future": (key.proof("POST", TOKEN_URL, now=NOW, iat=future), "iat"),
        "iat text": (key.proof("POST", TOKEN_URL, now=NOW, iat="now"), "iat"),
        "no iat": (key.proof("POST", TOKEN_URL, now=NOW, iat=None), "iat"),
        "no jti": (key.proof("POST", TOKEN_URL, now=NOW, jti=None), "jti"),
        "long jti": (key.proof("POST", TOKEN_URL, now=NOW, jti="j" * 257), "jti"),
        "no htu": (key.proof("POST", TOKEN_URL, now=NOW, htu=None), "URI"),
    }
    for proof, message in refusals.values():
        with pytest.raises(InvalidDpopProof, match=message):
            verify_proof(proof, method="POST", url=TOKEN_URL, now=NOW)


def test_the_uri_is_compared_without_query_fragment_case_or_default_port() -> None:
    key = Key()
    proof = key.proof("POST", "HTTPS://Rempart.Example:443/api/v1/oauth/token?x=1#f", now=NOW)
    assert verify_proof(proof, method="post", url=TOKEN_URL + "?y=2", now=NOW).jkt
    assert normalised_uri("http://h:80") == ("http", "h", "/")
    assert normalised_uri("https://h:8443/p") == ("https", "h:8443", "/p")
    assert normalised_uri("https://h/p") != normalised_uri("https://h/p/")
    assert normalised_uri("https://h:notaport/") != normalised_uri("https://h/")


def test_public_jwks_are_reduced_to_their_public_members() -> None:
    key = Key()
    reduced = public_jwk({**key.public_jwk, "kid": "k1", "use": "sig", "alg": "ES256"})
    assert set(reduced) == {"kty", "crv", "x", "y"}


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ({"kty": "oct", "k": "c2VjcmV0"}, "private"),
        ({"kty": "oct"}, "key type"),
        ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, "curve"),
        ({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}, "length"),
        ({"kty": "EC", "crv": "P-256", "x": "A+/="}, "'y'"),
        ({"kty": "RSA", "n": b64(b"\x01" * 128), "e": "AQAB"}, "2048"),
        ("not a JWK", "JSON object"),
    ],
)
def test_unacceptable_keys_are_refused(jwk: object, message: str) -> None:
    with pytest.raises(KeyRefused, match=message):
        public_jwk(jwk)  # type: ignore[arg-type]


def test_private_keys_are_refused_whatever_their_type() -> None:
    for kind in ("ec", "ed25519", "rsa"):
        with pytest.raises(KeyRefused, match="private"):
            public_jwk(Key(kind).private_jwk())


def test_an_alg_that_does_not_match_the_key_is_refused() -> None:
    with pytest.raises(KeyRefused, match="alg"):
        public_jwk({**Key().public_jwk, "alg": "RS256"})


def test_the_thumbprint_is_rfc_7638() -> None:
    key = Key("rsa")
    members = public_jwk(key.public_jwk)
    expected = b64(
        hashlib.sha256(
            f'{{"e":"{members["e"]}","kty":"RSA","n":"{members["n"]}"}}'.encode()
        ).digest()
    )
    assert thumbprint(members) == expected == key.thumbprint()
