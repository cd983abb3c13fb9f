"""TOTP (RFC 6238 over RFC 4226 HOTP): a fallback factor, phishable by nature, so the
sign-in flow treats it as such. Verification accepts one step of clock drift either way
and refuses any step at or before the last one used (a replayed code is refused).
"""

from __future__ import annotations

import hmac
import secrets
from base64 import b32decode, b32encode
from dataclasses import dataclass
from datetime import datetime

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """160 random bits, base32 as authenticator apps expect."""
    return b32encode(secrets.token_bytes(20)).decode("ascii")


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.digest(key, counter.to_bytes(8, "big"), digest)
    offset = mac[-1] & 0x0F
    code = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFF_FFFF
    return f"{code % 10**digits:0{digits}d}"


def step_at(instant: datetime) -> int:
    return int(instant.timestamp()) // STEP_SECONDS


def code_at(secret: str, instant: datetime) -> str:
    return hotp(b32decode(secret, casefold=True), step_at(instant))


@dataclass(frozen=True)
class TotpCheck:
    valid: bool
    step: int | None  # the step matched: store it, later codes must be newer


def verify(secret: str, code: str, *, now: datetime, last_used_step: int | None) -> TotpCheck:
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return TotpCheck(False, None)
    key = b32decode(secret, casefold=True)
    current = step_at(now)
    for step in (current - 1, current, current + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return TotpCheck(True, step)
    return TotpCheck(False, None)
