"""Pro Santé Connect ID tokens: the provider's key set and the checks an ID token must
pass before anyone is signed in (OpenID Connect Core 3.1.3.7).

Signature verification and JOSE parsing are PyJWT's; this module decides which keys and
algorithms are acceptable and checks the claims against the pending sign-in. Refusals
name the failed check, never a token or a claim value.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from rempart.kernel.errors import InvalidIdentifier, Unauthenticated
from rempart.kernel.identifiers import parse_rpps

# Asymmetric algorithms only: `none` proves nothing, and an HS* token would be checked
# with a secret the provider shares with every relying party (or, worse, with a public
# key used as an HMAC secret).
ALLOWED_ALGORITHMS = frozenset({"RS256", "PS256", "ES256"})
_KEY_TYPES = {"RS256": ("RSA", None), "PS256": ("RSA", None), "ES256": ("EC", "P-256")}

# The national identifier of a professional registered in RPPS is "8" followed by the
# RPPS; other prefixes (ADELI and so on) are not RPPS numbers and are refused.
_RPPS_PREFIX = "8"


class ProSanteConnectRefused(Unauthenticated):
    """The Pro Santé Connect sign-in failed a check; the message names the check."""

    code = "pro-sante-connect-refused"
    title = "The Pro Santé Connect sign-in was not accepted"


@dataclass(frozen=True)
class IdTokenClaims:
    """The claims of a verified ID token that a sign-in uses."""

    subject: str = field(repr=False)
    acr: str
    auth_time: datetime
    subject_name_id: object = field(repr=False)
    """The raw `SubjectNameID` claim, None when the ID token does not carry it."""


class KeySet:
    """The provider's signing keys by `kid`, from its JWKS document.

    An unknown kid triggers one refetch (the provider may have rotated its keys); a kid
    still absent afterwards is refused. Tokens reach this code from the token endpoint,
    over the back channel, so a browser cannot make it refetch at will.
    """

    def __init__(self, fetch: Callable[[], Mapping[str, Any]]) -> None:
        self._fetch = fetch
        self._keys: dict[str, Mapping[str, Any]] = {}

    def key_for(self, kid: str) -> Mapping[str, Any] | None:
        key = self._keys.get(kid)
        if key is None:
            self._keys = _signing_keys(self._fetch())
            key = self._keys.get(kid)
        return key


def _signing_keys(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    entries = document.get("keys")
    if not isinstance(entries, list):
        return {}
    keys: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if isinstance(kid, str) and kid and entry.get("use", "sig") == "sig":
            keys[kid] = entry
    return keys


def _public_key(jwk: Mapping[str, Any], algorithm: str) -> jwt.PyJWK:
    kty, crv = _KEY_TYPES[algorithm]
    declared = jwk.get("alg")
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
        raise ProSanteConnectRefused("the ID token's key does not fit its algorithm")
    if declared is not None and declared != algorithm:
        raise ProSanteConnectRefused("the ID token's key is declared for another algorithm")
    try:
        return jwt.PyJWK(dict(jwk), algorithm=algorithm)
    except jwt.PyJWTError:
        raise ProSanteConnectRefused("the provider's key for the ID token is unusable") from None


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProSanteConnectRefused(f"the ID token's {name} claim is missing or not a number")
    return float(value)


def verify_id_token(
    raw: str,
    *,
    keys: KeySet,
    issuer: str,
    client_id: str,
    nonce: str,
    accepted_acr: frozenset[str],
    max_age: timedelta,
    leeway: timedelta,
    now: datetime,
) -> IdTokenClaims:
    """Check signature, issuer, audience, times, nonce, acr and auth_time, or refuse."""
    try:
        header = jwt.get_unverified_header(raw)
    except jwt.PyJWTError:
        raise ProSanteConnectRefused("the ID token is malformed") from None
    algorithm = header.get("alg")
    if algorithm not in ALLOWED_ALGORITHMS:
        raise ProSanteConnectRefused("the ID token's algorithm is not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ProSanteConnectRefused("the ID token names no key (kid)")
    jwk = keys.key_for(kid)
    if jwk is None:
        raise ProSanteConnectRefused("the ID token's key is not in the provider's key set")
    try:
        claims = jwt.decode(
            raw,
            key=_public_key(jwk, algorithm),
            algorithms=[algorithm],
            audience=client_id,
            issuer=issuer,
            # Times are checked below against the caller's `now`, which PyJWT cannot take.
            options={
                "require": ["iss", "aud", "sub", "exp", "iat"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise ProSanteConnectRefused("the ID token's signature does not verify") from None
    except jwt.InvalidAudienceError:
        raise ProSanteConnectRefused("the ID token is meant for another audience") from None
    except jwt.InvalidIssuerError:
        raise ProSanteConnectRefused("the ID token comes from another issuer") from None
    except jwt.MissingRequiredClaimError as exc:
        raise ProSanteConnectRefused(f"the ID token lacks the {exc.claim} claim") from None
    except jwt.PyJWTError:
        raise ProSanteConnectRefused("the ID token is malformed") from None

    audience = claims["aud"]
    several = isinstance(audience, list) and len(audience) > 1
    if (several or "azp" in claims) and claims.get("azp") != client_id:
        raise ProSanteConnectRefused("the ID token was issued to another party (azp)")

    instant = now.timestamp()
    slack = leeway.total_seconds()
    if _number(claims, "exp") + slack <= instant:
        raise ProSanteConnectRefused("the ID token has expired")
    if _number(claims, "iat") - slack > instant:
        raise ProSanteConnectRefused("the ID token is issued in the future")
    if "nbf" in claims and _number(claims, "nbf") - slack > instant:
        raise ProSanteConnectRefused("the ID token is not valid yet")

    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(
        token_nonce.encode(), nonce.encode()
    ):
        raise ProSanteConnectRefused("the ID token's nonce does not match the pending sign-in")

    acr = claims.get("acr")
    if not isinstance(acr, str) or acr not in accepted_acr:
        raise ProSanteConnectRefused("the authentication level (acr) is not the one required")

    if "auth_time" not in claims:
        raise ProSanteConnectRefused("the ID token lacks the auth_time claim")
    auth_time = _number(claims, "auth_time")
    if auth_time - slack > instant:
        raise ProSanteConnectRefused("the authentication time is in the future")
    if instant - auth_time > max_age.total_seconds() + slack:
        raise ProSanteConnectRefused("the authentication is older than max_age")

    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise ProSanteConnectRefused("the ID token's subject is empty")
    return IdTokenClaims(
        subject=subject,
        acr=acr,
        auth_time=datetime.fromtimestamp(auth_time, UTC),
        subject_name_id=claims.get("SubjectNameID"),
    )


def rpps_from_subject_name_id(value: object) -> str:
    """The RPPS inside a `SubjectNameID` ("8" + 11 digits), or a refusal."""
    if not isinstance(value, str) or len(value) != 12 or not value.startswith(_RPPS_PREFIX):
        raise ProSanteConnectRefused("SubjectNameID is not an RPPS national identifier")
    # parse_rpps forgives spaces and dots in typed input; a provider's claim gets no such
    # leniency, hence the strict shape check first.
    if not (value.isascii() and value.isdigit()):
        raise ProSanteConnectRefused("SubjectNameID is not an RPPS national identifier")
    try:
        return parse_rpps(value[1:], field="SubjectNameID")
    except InvalidIdentifier:
        raise ProSanteConnectRefused("SubjectNameID carries an invalid RPPS") from None
