"""Password hashing and breach checks, TOTP (RFC 6238 vectors, drift, replay) and
recovery codes (single use)."""

from __future__ import annotations

import hashlib
from base64 import b32encode
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rempart.identity import recovery, totp
from rempart.identity.passwords import (
    KAnonymityListBreachedPasswords,
    NullBreachedPasswords,
    PasswordHasher,
    check_new_password,
)
from rempart.kernel.errors import InfrastructureError, InvalidInput

# --- passwords --------------------------------------------------------------------------


def test_argon2id_hashes_verify_and_never_contain_the_password() -> None:
    hasher = PasswordHasher()
    stored = hasher.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert hasher.verify(stored, "correct horse battery staple")
    assert not hasher.verify(stored, "correct horse battery stapler")
    assert not hasher.verify("not a hash", "anything")
    assert hasher.hash("same") != hasher.hash("same")  # salted


def _breach_list(tmp_path: Path, *passwords: str, suffix: str = "") -> Path:
    """A tiny mirror: every prefix file exists (empty), the breached ones filled in."""
    for first in ("00000", "FFFFF"):
        (tmp_path / f"{first}{suffix}").touch()
    for password in passwords:
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        with (tmp_path / f"{digest[:5]}{suffix}").open("a", encoding="ascii") as handle:
            handle.write(f"{digest[5:]}:42\n")
    return tmp_path


def _complete(directory: Path, password: str, suffix: str = "") -> None:
    digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
    (directory / f"{digest[:5]}{suffix}").touch()


def test_the_k_anonymity_list_finds_breached_passwords(tmp_path: Path) -> None:
    directory = _breach_list(tmp_path, "Password123!", "azertyuiop12")
    breached = KAnonymityListBreachedPasswords(directory)
    assert breached.is_breached("Password123!")
    assert breached.is_breached("azertyuiop12")
    _complete(directory, "a sentence nobody has ever leaked 7")
    assert not breached.is_breached("a sentence nobody has ever leaked 7")
    assert not NullBreachedPasswords().is_breached("Password123!")
    with pytest.raises(InvalidInput, match="appears in known breaches") as refused:
        check_new_password("azertyuiop12", breached=breached)
    assert "azertyuiop12" not in str(refused.value)


def test_new_password_length_rules() -> None:
    with pytest.raises(InvalidInput, match="12 to 128"):
        check_new_password("short", breached=NullBreachedPasswords())
    check_new_password("twelve chars", breached=NullBreachedPasswords())


def test_the_downloader_layout_with_txt_files_works(tmp_path: Path) -> None:
    breached = KAnonymityListBreachedPasswords(
        _breach_list(tmp_path, "Password123!", suffix=".txt")
    )
    assert breached.is_breached("Password123!")


def test_the_mirror_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(InfrastructureError, match="incomplete or absent"):
        KAnonymityListBreachedPasswords(tmp_path / "absent")
    breached = KAnonymityListBreachedPasswords(_breach_list(tmp_path))
    with pytest.raises(InfrastructureError, match="lacks a prefix"):
        breached.is_breached("a password whose prefix file is missing")


def test_passwords_are_normalised_before_hashing() -> None:
    hasher = PasswordHasher()
    composed, decomposed = "Mot de passe \u00e9t\u00e9 1", "Mot de passe e\u0301te\u0301 1"
    assert hasher.verify(hasher.hash(composed), decomposed)


# --- TOTP -------------------------------------------------------------------------------

RFC_SECRET = b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_sha1_vectors(seconds: int, expected: str) -> None:
    counter = seconds // totp.STEP_SECONDS
    assert totp.hotp(b"12345678901234567890", counter, digits=8) == expected


def test_drift_of_one_step_and_no_replay() -> None:
    now = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    code = totp.code_at(RFC_SECRET, now)
    first = totp.verify(RFC_SECRET, code, now=now, last_used_step=None)
    assert first.valid
    assert first.step == totp.step_at(now)
    assert not totp.verify(RFC_SECRET, code, now=now, last_used_step=first.step).valid
    late = now + timedelta(seconds=totp.STEP_SECONDS)
    assert totp.verify(RFC_SECRET, code, now=late, last_used_step=None).valid
    too_late = now + timedelta(seconds=3 * totp.STEP_SECONDS)
    assert not totp.verify(RFC_SECRET, code, now=too_late, last_used_step=None).valid
    assert not totp.verify(RFC_SECRET, "12345a", now=now, last_used_step=None).valid
    assert not totp.verify(RFC_SECRET, "١٢٣٤٥٦", now=now, last_used_step=None).valid


def test_a_code_one_step_ahead_is_accepted_and_older_ones_refused_after_it() -> None:
    now = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    ahead = totp.code_at(RFC_SECRET, now + timedelta(seconds=totp.STEP_SECONDS))
    used = totp.verify(RFC_SECRET, ahead, now=now, last_used_step=None)
    assert used.valid
    assert used.step == totp.step_at(now) + 1
    current = totp.code_at(RFC_SECRET, now)
    assert not totp.verify(RFC_SECRET, current, now=now, last_used_step=used.step).valid


def test_new_secrets_are_160_bits() -> None:
    assert len(totp.new_secret()) == 32
    assert totp.new_secret() != totp.new_secret()


# --- recovery codes ---------------------------------------------------------------------


def test_recovery_codes_are_single_use_and_stored_as_hashes() -> None:
    pepper = b"p" * 32
    codes = recovery.new_codes()
    assert len(set(codes)) == recovery.CODES
    assert all(len(code.replace("-", "")) == 25 for code in codes)  # 125 bits
    stored = [recovery.code_hash(code, pepper=pepper) for code in codes]
    assert all(len(h) == 32 for h in stored)
    assert not {code.encode() for code in codes} & set(stored)
    remaining = recovery.use_code(codes[3].lower().replace("-", " "), stored, pepper=pepper)
    assert remaining is not None
    assert len(remaining) == recovery.CODES - 1
    assert recovery.use_code(codes[3], remaining, pepper=pepper) is None
    assert recovery.use_code("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", stored, pepper=pepper) is None
    assert recovery.use_code("\u0131" * 25, stored, pepper=pepper) is None  # no Unicode folding
