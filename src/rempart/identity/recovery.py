"""Single-use recovery codes: shown once, stored only as hashes, each usable once.

A code carries 125 random bits (25 base32 characters, shown in five groups), above the
112 bits under which NIST SP 800-63B asks for a salted slow hash; a keyed SHA-256 is then
enough to store it."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from base64 import b32encode

CODES = 10
_ALPHABET = re.compile(r"[A-Z2-7]{25}")


def new_codes(count: int = CODES) -> list[str]:
    """Codes like `K7QJM-2XAPB-...`, for the person to keep offline."""
    codes = []
    for _ in range(count):
        raw = b32encode(secrets.token_bytes(16)).decode("ascii")[:25]
        codes.append("-".join(raw[i : i + 5] for i in range(0, 25, 5)))
    return codes


def _normalise(code: str) -> str | None:
    """Dashes and spaces dropped, ASCII letters upper-cased; anything else is no code."""
    compact = code.replace("-", "").replace(" ", "")
    if not compact.isascii():
        return None
    compact = compact.upper()
    return compact if _ALPHABET.fullmatch(compact) else None


def code_hash(code: str, *, pepper: bytes) -> bytes:
    normalised = _normalise(code)
    if normalised is None:
        raise ValueError("not a recovery code")
    return hmac.digest(pepper, normalised.encode("ascii"), hashlib.sha256)


def use_code(code: str, stored: list[bytes], *, pepper: bytes) -> list[bytes] | None:
    """The remaining hashes once `code` is spent, or None if it matches none."""
    if _normalise(code) is None:
        return None
    candidate = code_hash(code, pepper=pepper)
    for position, known in enumerate(stored):
        if hmac.compare_digest(known, candidate):
            return stored[:position] + stored[position + 1 :]
    return None
