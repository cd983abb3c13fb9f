"""A software client as an integrator would write one: its own keys, client assertions
(RFC 7523) and DPoP proofs (RFC 9449), signed with PyJWT."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from rempart.identity.client_auth import ASSERTION_TYPE, GRANT_TYPE

TOKEN_URL = "https://rempart.example/api/v1/oauth/token"
RESOURCE_URL = "https://rempart.example/api/v1/rights/checks"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Key:
    """A key pair of one of the accepted types."""

    def __init__(self, kind: str = "ec") -> None:
        self.private: Any
        if kind == "ec":
            self.private, self.alg = ec.generate_private_key(ec.SECP256R1()), "ES256"
            self.public_jwk = jwt.algorithms.ECAlgorithm.to_jwk(
                self.private.public_key(), as_dict=True
            )
        elif kind == "ed25519":
            self.private, self.alg = ed25519.Ed25519PrivateKey.generate(), "EdDSA"
            self.public_jwk = jwt.algorithms.OKPAlgorithm.to_jwk(
                self.private.public_key(), as_dict=True
            )
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.alg = "PS256"
            self.public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(
                self.private.public_key(), as_dict=True
            )

    def private_jwk(self) -> dict[str, Any]:
        algorithm: Any = {
            "ES256": jwt.algorithms.ECAlgorithm,
            "EdDSA": jwt.algorithms.OKPAlgorithm,
            "PS256": jwt.algorithms.RSAAlgorithm,
        }[self.alg]
        jwk: dict[str, Any] = algorithm.to_jwk(self.private, as_dict=True)
        return jwk

    def thumbprint(self) -> str:
        """RFC 7638, written out by hand as the RFC's example does."""
        jwk = self.public_jwk
        if jwk["kty"] == "EC":
            text = f'{{"crv":"{jwk["crv"]}","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'
        elif jwk["kty"] == "OKP":
            text = f'{{"crv":"{jwk["crv"]}","kty":"OKP","x":"{jwk["x"]}"}}'
        else:
            text = f'{{"e":"{jwk["e"]}","kty":"RSA","n":"{jwk["n"]}"}}'
        return b64(hashlib.sha256(text.encode()).digest())

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=headers or None)

    def proof(
        self,
        method: str,
        url: str,
        *,
        now: datetime,
        access_token: str | None = None,
        **overrides: Any,
    ) -> str:
        claims: dict[str, Any] = {
            "jti": uuid.uuid4().hex,
            "htm": method,
            "htu": url,
            "iat": int(now.timestamp()),
        }
        if access_token is not None:
            claims["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
        headers: dict[str, Any] = {"typ": "dpop+jwt", "jwk": self.public_jwk}
        for name, value in overrides.items():
            target = headers if name in ("typ", "jwk") else claims
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
        return self.sign(claims, **headers)

    def assertion(
        self, client_id: uuid.UUID | str, *, now: datetime, aud: str = TOKEN_URL, **overrides: Any
    ) -> str:
        claims: dict[str, Any] = {
            "iss": str(client_id),
            "sub": str(client_id),
            "aud": aud,
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + 120,
        }
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return self.sign(claims)


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A JWS with `alg: none`: no library will make one, so it is written by hand."""
    return ".".join((b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), ""))


def token_request(
    client_id: uuid.UUID, client_key: Key, dpop_key: Key, now: datetime
) -> dict[str, Any]:
    """The keyword arguments of `issue_access_token` for a well-formed request."""
    return {
        "token_endpoint_url": TOKEN_URL,
        "client_assertion": client_key.assertion(client_id, now=now),
        "client_assertion_type": ASSERTION_TYPE,
        "grant_type": GRANT_TYPE,
        "dpop_proof": dpop_key.proof("POST", TOKEN_URL, now=now),
    }
