"""Single-use recovery codes: shown once, stored only as hashes, each usable once.

Codes carry 50 random bits (10 base32 characters), so a keyed SHA-256 is enough to store
them (a slow hash protects low-entropy secrets; these are not)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import b32encode

CODES = 10


def new_codes(count: int = CODES) -> list[str]:
    """Codes like `K7QJ-M2XAP`, for the person to keep offline."""
    codes = []
    for _ in range(count):
        raw = b32encode(secrets.token_bytes(7)).decode("ascii")[:10]
        codes.append(f"{raw[:4]}-{raw[4:]}")
    return codes


def _normalise(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def code_hash(code: str, *, pepper: bytes) -> bytes:
    return hmac.digest(pepper, _normalise(code).encode("ascii", "ignore"), hashlib.sha256)


def use_code(code: str, stored: list[bytes], *, pepper: bytes) -> list[bytes] | None:
    """The remaining hashes once `code` is spent, or None if it matches none."""
    candidate = code_hash(code, pepper=pepper)
    for position, known in enumerate(stored):
        if hmac.compare_digest(known, candidate):
            return stored[:position] + stored[position + 1 :]
    return None
