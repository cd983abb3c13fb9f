"""The pending Pro Santé Connect sign-in (state, nonce, PKCE verifier), sealed with
AES-256-GCM into a cookie value so that the browser carries it between start and callback
and any worker can finish a sign-in another started."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rempart.identity.prosante_tokens import ProSanteConnectRefused

PENDING_LIFETIME = timedelta(minutes=10)
# Binds a sealed value to this use: the same key sealing anything else cannot be replayed
# here.
_PENDING_LABEL = b"rempart:pro-sante-connect:pending:v1"
_PENDING_MAX_LENGTH = 2048


@dataclass(frozen=True)
class PendingAuthorization:
    """What the callback must match: kept by the browser, sealed, between start and finish."""

    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    started_at: datetime


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def seal_pending(pending: PendingAuthorization, *, key: bytes) -> str:
    """The pending sign-in as an opaque cookie value (AES-256-GCM, base64url)."""
    if pending.started_at.tzinfo is None:
        raise ValueError("started_at must be an aware datetime")
    document = {
        "state": pending.state,
        "nonce": pending.nonce,
        "code_verifier": pending.code_verifier,
        "started_at": pending.started_at.isoformat(),
    }
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_cookie_key(key)).encrypt(
        nonce, json.dumps(document).encode("utf-8"), _PENDING_LABEL
    )
    return _b64url(nonce + sealed)


def open_pending(value: str, *, key: bytes, now: datetime) -> PendingAuthorization:
    """The pending sign-in back from its cookie value; altered, foreign or stale is refused."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    cipher = AESGCM(_cookie_key(key))
    if len(value) > _PENDING_MAX_LENGTH:
        raise ProSanteConnectRefused("the pending sign-in is malformed")
    try:
        blob = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
        plain = cipher.decrypt(blob[:12], blob[12:], _PENDING_LABEL)
        document = json.loads(plain)
        pending = PendingAuthorization(
            state=str(document["state"]),
            nonce=str(document["nonce"]),
            code_verifier=str(document["code_verifier"]),
            started_at=datetime.fromisoformat(document["started_at"]),
        )
    except (binascii.Error, ValueError, InvalidTag, KeyError, TypeError):
        raise ProSanteConnectRefused("the pending sign-in was altered or not ours") from None
    if pending.started_at.tzinfo is None:
        raise ProSanteConnectRefused("the pending sign-in was altered or not ours")
    age = now - pending.started_at
    if age > PENDING_LIFETIME or age < -timedelta(minutes=1):
        raise ProSanteConnectRefused("the pending sign-in has expired")
    return pending


def _cookie_key(key: bytes) -> bytes:
    if len(key) != 32:
        raise ValueError("the pending sign-in key must be 32 bytes (AES-256)")
    return key
