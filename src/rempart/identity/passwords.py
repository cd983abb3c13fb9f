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
import unicodedata
from pathlib import Path
from typing import Protocol

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from rempart.kernel.errors import InfrastructureError, InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128


class BreachedPasswords(Protocol):
    def is_breached(self, password: str) -> bool: ...


class NullBreachedPasswords:
    """Knows no breach (the default when no list is configured)."""

    def is_breached(self, password: str) -> bool:
        return False


class KAnonymityListBreachedPasswords:
    """A local mirror of a breached-password list split by SHA-1 prefix: files named
    `PREFIX` or `PREFIX.txt` (as the usual downloader writes them).

    Fails closed: a mirror missing its first or last prefix is refused at start, and a
    prefix file missing later is an error, never "not breached"."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        for prefix in ("00000", "FFFFF"):
            if self._file(prefix) is None:
                raise InfrastructureError(
                    f"the breached-password mirror at {directory} is incomplete or absent"
                )

    def _file(self, prefix: str) -> Path | None:
        for name in (prefix, f"{prefix}.txt", prefix.lower(), f"{prefix.lower()}.txt"):
            candidate = self.directory / name
            if candidate.is_file():
                return candidate
        return None

    def is_breached(self, password: str) -> bool:
        digest = (
            hashlib.sha1(normalise(password).encode("utf-8"), usedforsecurity=False)
            .hexdigest()
            .upper()
        )
        prefix, suffix = digest[:5], digest[5:]
        path = self._file(prefix)
        if path is None:
            raise InfrastructureError("the breached-password mirror lacks a prefix file")
        text = path.read_text(encoding="ascii")
        return any(line.split(":", 1)[0].strip().upper() == suffix for line in text.splitlines())


def normalise(password: str) -> str:
    """NFC, so that the same password typed on two keyboards hashes alike."""
    return unicodedata.normalize("NFC", password)


class PasswordHasher:
    """argon2id with the library's current recommended parameters."""

    def __init__(self) -> None:
        self._argon2 = _Argon2()

    def hash(self, password: str) -> str:
        return self._argon2.hash(normalise(password))

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored, normalise(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._argon2.check_needs_rehash(stored)


def check_new_password(password: str, *, breached: BreachedPasswords) -> None:
    """Length and breach checks for a password being set. Messages never echo it."""
    password = normalise(password)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters", field="password"
        )
    if breached.is_breached(password):
        raise InvalidInput(
            "this password appears in known breaches: choose another", field="password"
        )
