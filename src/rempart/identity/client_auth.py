"""Software clients authenticating: the token endpoint (client credentials grant with a
`private_key_jwt` assertion, RFC 7523, and a DPoP proof, RFC 9449) and the check made at
every resource call. FastAPI-free: the HTTP layer passes headers in and maps the errors.

Access tokens are random, short-lived, stored as SHA-256 only and bound to the DPoP key
that asked for them, so a stolen token is useless without that key. Every assertion and
proof is single use: its id is spent in the same transaction that accepts it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from rempart.db.uow import UnitOfWork
from rempart.identity.client_errors import (
    ActingProfessionalRefused,
    InvalidClient,
    InvalidDpopProof,
    InvalidToken,
    TokenRequestRefused,
)
from rempart.identity.client_models import ClientRow, ClientTokenRow, UsedJwtIdRow
from rempart.identity.domain import AccountStatus, ClientStatus
from rempart.identity.dpop import (
    MAX_JTI_LENGTH,
    MAX_JWT_LENGTH,
    PROOF_TYPE,
    PROOF_WINDOW,
    VerifiedProof,
    normalised_uri,
    verify_proof,
)
from rempart.identity.jwk import algorithms_for
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Actor, Channel, Role, Strength
from rempart.identity.tokens import new_token, token_digest
from rempart.kernel.errors import InvalidIdentifier
from rempart.kernel.identifiers import parse_rpps
from rempart.registry.service import professional_memberships

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRANT_TYPE = "client_credentials"
TOKEN_TYPE = "DPoP"  # noqa: S105  (a scheme name, not a secret)
TOKEN_LIFETIME = timedelta(minutes=5)
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=60)
ACTING_RPPS_HEADER = "Rempart-Acting-RPPS"
_CLIENT_REFUSED = "client authentication failed"  # one answer, whatever the cause


@dataclass(frozen=True)
class IssuedToken:
    access_token: str = field(repr=False)
    expires_in: int
    token_type: str = TOKEN_TYPE


def issue_access_token(
    *,
    uow: UnitOfWork,
    token_endpoint_url: str,
    client_assertion: str | None,
    client_assertion_type: str | None,
    grant_type: str | None,
    dpop_proof: str | None,
) -> IssuedToken:
    """A DPoP-bound access token for an active client that proved possession of its
    registered key. Unknown, pending and revoked clients and wrong keys get one answer."""
    if grant_type != GRANT_TYPE:
        raise TokenRequestRefused("unsupported_grant_type", "only client_credentials is offered")
    if client_assertion_type != ASSERTION_TYPE or not client_assertion:
        raise TokenRequestRefused(
            "invalid_client", f"authenticate with a {ASSERTION_TYPE} client assertion", status=401
        )
    now = uow.clock.now()
    try:
        proof = verify_proof(dpop_proof, method="POST", url=token_endpoint_url, now=now)
    except InvalidDpopProof as refused:
        raise TokenRequestRefused("invalid_dpop_proof", refused.message) from None
    client_id, claims = _unverified_assertion(client_assertion)
    with uow:
        client = uow.session.get(ClientRow, client_id)
        if client is None or client.status != ClientStatus.ACTIVE:
            raise _invalid_client()
        jti, expires_at = _verify_assertion(
            client_assertion, client, claims, token_endpoint_url, now
        )
        if not _spend(uow, _jti_digest("assertion", str(client_id), jti), expires_at):
            raise _invalid_client("the client assertion was already used")
        if not _spend(uow, _jti_digest("dpop", proof.jkt, proof.jti), _proof_expiry(proof, now)):
            raise TokenRequestRefused("invalid_dpop_proof", "the DPoP proof was already used")
        token = new_token()  # 256 bits
        uow.session.add(
            ClientTokenRow(
                client_id=client.id,
                token_hash=token_digest(token),
                jkt=proof.jkt,
                issued_at=now,
                expires_at=now + TOKEN_LIFETIME,
                revoked_at=None,
            )
        )
        uow.commit()
    return IssuedToken(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()))


def authenticate_client_call(
    *,
    uow: UnitOfWork,
    authorization: str | None,
    dpop: str | None,
    method: str,
    url: str,
    acting_rpps: str | None,
) -> Actor:
    """The actor of a software call: `Authorization: DPoP <token>`, one `DPoP` proof
    for this method and URL (the caller refuses repeated DPoP headers, and builds `url`
    from the configured public origin, not from the Host header), and the acting
    professional's RPPS, who must be a member of the client's structure."""
    token = _dpop_token(authorization)
    with uow:
        now = uow.clock.now()
        row = uow.session.scalar(
            select(ClientTokenRow).where(ClientTokenRow.token_hash == token_digest(token))
        )
        if row is None or row.revoked_at is not None or now >= row.expires_at:
            raise InvalidToken("the access token is unknown, expired or revoked")
        client = uow.session.get(ClientRow, row.client_id)
        if client is None or client.status != ClientStatus.ACTIVE:
            raise InvalidClient("the client is no longer active")
        proof = verify_proof(dpop, method=method, url=url, now=now, access_token=token)
        if proof.jkt != row.jkt:
            raise InvalidDpopProof("the DPoP proof is signed by another key than the token's")
        if not _spend(uow, _jti_digest("dpop", proof.jkt, proof.jti), _proof_expiry(proof, now)):
            raise InvalidDpopProof("the DPoP proof was already used")
        rpps = _acting_member(uow, acting_rpps, client.finess)
        if rpps is None:
            uow.commit()  # the proof stays spent: it cannot be retried with another RPPS
            raise ActingProfessionalRefused(
                f"the {ACTING_RPPS_HEADER} header must name a member of the client's structure"
            )
        uow.commit()
    return Actor(
        account_id=client.id,
        role=Role.PROFESSIONAL,
        structures=frozenset({client.finess}),
        channel=Channel.API,
        strength=Strength.PHISHING_RESISTANT,
        authenticated_at=row.issued_at,
        rpps=rpps,
        client_id=client.id,
        dpop_jkt=proof.jkt,
    )


def purge_expired(*, uow: UnitOfWork) -> int:
    """Forget spent JWT ids and tokens that could no longer be accepted anyway (for a
    periodic job; correctness never depends on it running)."""
    with uow:
        now = uow.clock.now()
        spent = uow.session.execute(delete(UsedJwtIdRow).where(UsedJwtIdRow.expires_at < now))
        tokens = uow.session.execute(delete(ClientTokenRow).where(ClientTokenRow.expires_at < now))
        uow.commit()
        return int(spent.rowcount or 0) + int(tokens.rowcount or 0)  # type: ignore[attr-defined]


def _dpop_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != TOKEN_TYPE.lower():
        # A DPoP-bound token sent as Bearer would be accepted without its key elsewhere:
        # refusing it teaches clients the one way that is safe.
        raise InvalidToken("send the access token with the DPoP scheme")
    token = token.strip()
    if not token or len(token) > 512 or not token.isascii():
        raise InvalidToken("the access token is malformed")
    return token


def _unverified_assertion(assertion: str) -> tuple[uuid.UUID, dict[str, Any]]:
    """The client the assertion names (iss == sub), before its signature is checked
    with that client's key."""
    if len(assertion) > MAX_JWT_LENGTH:
        raise _invalid_client()
    try:
        decoded = jwt.PyJWS().decode_complete(assertion, options={"verify_signature": False})
        claims = json.loads(decoded["payload"])
    except (jwt.PyJWTError, ValueError):
        raise _invalid_client("the client assertion is not a compact JWS") from None
    if not isinstance(claims, dict):
        raise _invalid_client()
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or issuer != subject:
        raise _invalid_client("the client assertion's iss and sub must both be the client id")
    try:
        return uuid.UUID(issuer), claims
    except ValueError:
        raise _invalid_client() from None


def _verify_assertion(
    assertion: str, client: ClientRow, claims: dict[str, Any], audience: str, now: datetime
) -> tuple[str, datetime]:
    """The assertion's jti and expiry, once its signature (by the client's registered
    key) and claims are checked."""
    key = json.loads(client.public_jwk)
    header = jwt.get_unverified_header(assertion)
    algorithm = header.get("alg")
    # A DPoP proof is signed by the client too: it must not pass for an assertion.
    if (
        header.get("typ") == PROOF_TYPE
        or not isinstance(algorithm, str)
        or algorithm not in algorithms_for(key)
    ):
        raise _invalid_client()
    try:
        jwt.PyJWS().decode_complete(
            assertion, key=jwt.PyJWK(key, algorithm=algorithm), algorithms=[algorithm]
        )
    except (jwt.PyJWTError, ValueError):
        raise _invalid_client() from None
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if not any(
        isinstance(a, str) and normalised_uri(a) == normalised_uri(audience) for a in audiences
    ):
        raise _invalid_client("the client assertion's aud must be the token endpoint URL")
    exp = _instant(claims, "exp", now)
    if exp is None or exp <= now or exp > now + MAX_ASSERTION_LIFETIME + CLOCK_SKEW:
        raise _invalid_client("the client assertion's exp must lie within the next few minutes")
    for name in ("iat", "nbf"):
        instant = _instant(claims, name, now)
        if instant is not None and instant > now + CLOCK_SKEW:
            raise _invalid_client(f"the client assertion's {name} is in the future")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise _invalid_client("the client assertion needs a jti")
    return jti, exp


def _instant(claims: dict[str, Any], name: str, now: datetime) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid_client(f"the client assertion's {name} must be a number")
    try:
        return datetime.fromtimestamp(value, tz=now.tzinfo)
    except (OverflowError, OSError, ValueError):
        raise _invalid_client(f"the client assertion's {name} is out of range") from None


def _acting_member(uow: UnitOfWork, acting_rpps: str | None, finess: str) -> str | None:
    if not acting_rpps:
        return None
    try:
        rpps = parse_rpps(acting_rpps)
    except InvalidIdentifier:
        return None
    memberships = professional_memberships(session=uow.session, rpps=rpps)
    if memberships is None or finess not in memberships:
        return None
    # A professional need not have an account to work through the pharmacy's software;
    # but one whose account was suspended does not act through it either.
    status = uow.session.scalar(select(AccountRow.status).where(AccountRow.rpps == rpps))
    return None if status == AccountStatus.SUSPENDED else rpps


def _spend(uow: UnitOfWork, digest: bytes, expires_at: datetime) -> bool:
    """False when the id was spent already, by an earlier or a concurrent request (the
    primary key decides: the loser of a race fails on insert once the winner commits)."""
    uow.session.add(UsedJwtIdRow(digest=digest, expires_at=expires_at))
    try:
        uow.session.flush()
    except IntegrityError:
        uow.rollback()
        return False
    return True


def _proof_expiry(proof: VerifiedProof, now: datetime) -> datetime:
    """Past this instant the proof's iat is outside the window: no need to remember it."""
    return max(proof.issued_at or now, now) + PROOF_WINDOW + CLOCK_SKEW


def _jti_digest(purpose: str, signer: str, jti: str) -> bytes:
    return hashlib.sha256("\0".join((purpose, signer, jti)).encode("utf-8")).digest()


def _invalid_client(message: str = _CLIENT_REFUSED) -> TokenRequestRefused:
    return TokenRequestRefused("invalid_client", message, status=401)
