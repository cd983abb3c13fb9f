"""DPoP proofs (RFC 9449), verified without storage: the caller records the returned
`jti` in the single-use store, so that a replayed proof is refused there.

A proof binds one request (method and URI, without query or fragment) at one moment
(`iat` within a small window of the platform's clock) to one key (the `jwk` header, whose
thumbprint the access token is bound to) and, at resource endpoints, to one access token
(`ath`). PyJWT checks the signature; every claim is checked here against the injected
clock, never against the host's time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt

from rempart.identity.client_errors import InvalidDpopProof
from rempart.identity.jwk import ALLOWED_ALGORITHMS, KeyRefused, algorithms_for, b64url
from rempart.identity.jwk import public_jwk as validated_public_jwk
from rempart.identity.jwk import thumbprint as jwk_thumbprint

PROOF_TYPE = "dpop+jwt"
PROOF_WINDOW = timedelta(seconds=60)
MAX_JWT_LENGTH = 8192  # a proof or assertion is a few hundred bytes; refuse floods early
MAX_JTI_LENGTH = 256
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class VerifiedProof:
    jkt: str  # RFC 7638 thumbprint of the proof's key
    jti: str = ""
    issued_at: datetime | None = None


def verify_proof(
    proof: str | None,
    *,
    method: str,
    url: str,
    now: datetime,
    access_token: str | None = None,
    window: timedelta = PROOF_WINDOW,
) -> VerifiedProof:
    """The proof's key thumbprint and jti, or InvalidDpopProof. With `access_token`
    (resource endpoints) the proof must carry its hash as `ath`."""
    if not proof:
        raise InvalidDpopProof("a DPoP proof is required")
    if len(proof) > MAX_JWT_LENGTH:
        raise InvalidDpopProof("the DPoP proof is too long")
    header = _header(proof)
    if header.get("typ") != PROOF_TYPE:
        raise InvalidDpopProof(f"the DPoP proof's typ must be {PROOF_TYPE}")
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in ALLOWED_ALGORITHMS:
        raise InvalidDpopProof("the DPoP proof's alg is not an accepted asymmetric algorithm")
    raw_jwk = header.get("jwk")
    if not isinstance(raw_jwk, Mapping):
        raise InvalidDpopProof("the DPoP proof carries no jwk header")
    try:
        key = validated_public_jwk(raw_jwk)
    except KeyRefused as refused:
        raise InvalidDpopProof(f"the DPoP proof's jwk is refused: {refused.message}") from None
    if algorithm not in algorithms_for(key):
        raise InvalidDpopProof("the DPoP proof's alg does not match its key")
    claims = _verified_claims(proof, key, algorithm)

    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise InvalidDpopProof("the DPoP proof needs a jti")
    if claims.get("htm") != method.upper():
        raise InvalidDpopProof("the DPoP proof is for another HTTP method")
    htu = claims.get("htu")
    if not isinstance(htu, str) or normalised_uri(htu) != normalised_uri(url):
        raise InvalidDpopProof("the DPoP proof is for another URI")
    issued_at = _issued_at(claims, now, window)
    if access_token is not None:
        expected = b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())
        if claims.get("ath") != expected:
            raise InvalidDpopProof("the DPoP proof is not bound to this access token (ath)")
    return VerifiedProof(jkt=jwk_thumbprint(key), jti=jti, issued_at=issued_at)


def normalised_uri(uri: str) -> tuple[str, str, str]:
    """(scheme, host[:port], path) with case and default ports normalised, query and
    fragment dropped (RFC 9449 §4.3); an unparsable URI matches nothing."""
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError:
        return ("", "", uri)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return (scheme, host, parts.path or "/")


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidDpopProof("the DPoP proof is not a compact JWS") from None
    return header


def _verified_claims(token: str, key: dict[str, str], algorithm: str) -> dict[str, Any]:
    try:
        signing_key = jwt.PyJWK(dict(key), algorithm=algorithm)
        decoded = jwt.PyJWS().decode_complete(token, key=signing_key, algorithms=[algorithm])
        claims = json.loads(decoded["payload"])
    except (jwt.PyJWTError, ValueError):
        raise InvalidDpopProof("the DPoP proof's signature does not verify") from None
    if not isinstance(claims, dict):
        raise InvalidDpopProof("the DPoP proof's claims are not a JSON object")
    return claims


def _issued_at(claims: Mapping[str, Any], now: datetime, window: timedelta) -> datetime:
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise InvalidDpopProof("the DPoP proof needs a numeric iat")
    try:
        issued_at = datetime.fromtimestamp(iat, tz=now.tzinfo)
    except (OverflowError, OSError, ValueError):
        raise InvalidDpopProof("the DPoP proof's iat is out of range") from None
    if abs(issued_at - now) > window:
        raise InvalidDpopProof("the DPoP proof is too old or from the future (iat)")
    return issued_at
