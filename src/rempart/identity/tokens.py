"""Bearer secrets handed to browsers and software (session, device, pending sign-in,
enrolment and access tokens): random, and stored only as their SHA-256, so a copy of
the database opens nothing. A plain hash suffices: the tokens carry 256 random bits."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    # A token is ASCII; anything else was never issued and must simply match nothing.
    return hashlib.sha256(token.encode("ascii", "replace")).digest()
