"""Public JSON Web Keys as software clients present them: only public members, only the
key types whose algorithms the platform accepts, and their RFC 7638 thumbprints.

Pure: the signatures themselves are checked by PyJWT; this module decides which keys and
algorithms are acceptable at all, so that a private key pasted by mistake, a symmetric
secret or a weak RSA modulus never becomes a client's credential.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping

from rempart.kernel.errors import InvalidInput

# Asymmetric algorithms only: "none" and the HMAC family would let anyone holding the
# (public) key forge a signature.
ALGORITHMS_BY_KEY_TYPE: dict[tuple[str, str], frozenset[str]] = {
    ("EC", "P-256"): frozenset({"ES256"}),
    ("OKP", "Ed25519"): frozenset({"EdDSA"}),
    ("RSA", ""): frozenset({"RS256", "PS256"}),
}
ALLOWED_ALGORITHMS = frozenset().union(*ALGORITHMS_BY_KEY_TYPE.values())

# RFC 7638 §3.2: the members that define each key type, and so its thumbprint.
_REQUIRED = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}
# Members that only a private (or symmetric) key has: RFC 7518 §6.2.2, §6.3.2, §6.4.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_COORDINATE_BYTES = {"P-256": 32, "Ed25519": 32}
MIN_RSA_BITS = 2048


class KeyRefused(InvalidInput):
    code = "invalid-key"
    title = "The key is not an acceptable public key"


def public_jwk(jwk: Mapping[str, object], *, field: str = "public_jwk") -> dict[str, str]:
    """The key reduced to its defining public members, or KeyRefused. Private material
    is refused outright rather than stripped: whoever sent it has leaked it."""
    if not isinstance(jwk, Mapping):
        raise KeyRefused("a JWK is a JSON object", field=field)
    if PRIVATE_MEMBERS & set(jwk):
        raise KeyRefused("the key carries private members: send the public key only", field=field)
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _REQUIRED:
        raise KeyRefused("the key type must be EC (P-256), OKP (Ed25519) or RSA", field=field)
    members: dict[str, str] = {}
    for name in _REQUIRED[kty]:
        value = jwk.get(name)
        if not isinstance(value, str) or not value:
            raise KeyRefused(f"the key lacks its '{name}' member", field=field)
        members[name] = value
    crv = members.get("crv", "")
    if (kty, crv) not in ALGORITHMS_BY_KEY_TYPE:
        raise KeyRefused("the curve must be P-256 (EC) or Ed25519 (OKP)", field=field)
    for name in ("x", "y", "n", "e"):
        if name in members:
            _b64url_decode(members[name], field=field)
    if crv in _COORDINATE_BYTES:
        sizes = {len(_b64url_decode(members[c], field=field)) for c in ("x", "y") if c in members}
        if sizes != {_COORDINATE_BYTES[crv]}:
            raise KeyRefused("the key's coordinates have the wrong length", field=field)
    if kty == "RSA":
        modulus = _b64url_decode(members["n"], field=field).lstrip(b"\0")
        if len(modulus) * 8 < MIN_RSA_BITS:
            raise KeyRefused(f"RSA keys have at least {MIN_RSA_BITS} bits", field=field)
    algorithm = jwk.get("alg")
    if algorithm is not None and algorithm not in algorithms_for(members):
        raise KeyRefused("the key's 'alg' does not match its type", field=field)
    return members


def algorithms_for(jwk: Mapping[str, str]) -> frozenset[str]:
    """The signature algorithms a (validated) key may be used with."""
    return ALGORITHMS_BY_KEY_TYPE.get((jwk.get("kty", ""), jwk.get("crv", "")), frozenset())


def thumbprint(jwk: Mapping[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members as compact JSON in lexicographic
    order, base64url without padding."""
    required = _REQUIRED[jwk["kty"]]
    canonical = json.dumps(
        {name: jwk[name] for name in required}, separators=(",", ":"), sort_keys=True
    )
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str, *, field: str) -> bytes:
    if "=" in text or "+" in text or "/" in text:
        raise KeyRefused("key members are base64url without padding", field=field)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise KeyRefused("key members are base64url without padding", field=field) from None
