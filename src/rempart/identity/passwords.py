"""Passwords, where they exist at all: hashed with argon2id, refused when known from
breaches, never enough on their own (a second, phishing-resistant factor is required by
the sign-in flow of the identity issue).

The breached-password check is a port: a null adapter (the default) and a local
k-anonymity list adapter reading files in the "range" layout popularised by Have I Been
Pwned (one file per 5-hex-digit SHA-1 prefix, lines `SUFFIX:COUNT`), so that the list
can be mirrored on the host and nothing ever leaves it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from rempart.kernel.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128


class BreachedPasswords(Protocol):
    def is_breached(self, password: str) -> bool: ...


class NullBreachedPasswords:
    """Knows no breach (the default when no list is configured)."""

    def is_breached(self, password: str) -> bool:
        return False


class KAnonymityListBreachedPasswords:
    """A local mirror of a breached-password list split by SHA-1 prefix."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise InvalidInput(f"breached-password list directory not found: {directory}")
        self.directory = directory

    def is_breached(self, password: str) -> bool:
        digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:5], digest[5:]
        try:
            text = (self.directory / prefix).read_text(encoding="ascii")
        except FileNotFoundError:
            return False
        return any(line.split(":", 1)[0].strip().upper() == suffix for line in text.splitlines())


class PasswordHasher:
    """argon2id with the library's current recommended parameters."""

    def __init__(self) -> None:
        self._argon2 = _Argon2()

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._argon2.check_needs_rehash(stored)


def check_new_password(password: str, *, breached: BreachedPasswords) -> None:
    """Length and breach checks for a password being set. Messages never echo it."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters", field="password"
        )
    if breached.is_breached(password):
        raise InvalidInput(
            "this password appears in known breaches: choose another", field="password"
        )
