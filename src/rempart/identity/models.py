"""Accounts and their security events. The login name is sealed and found through a
blind index; RPPS and AMC numbers are public directory identifiers, kept in clear."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin, SealedMixin
from rempart.db.types import BlindIndex, Ciphertext, UtcDateTime


class AccountRow(IdMixin, SealedMixin, Base):
    __tablename__ = "accounts"

    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    is_new: Mapped[bool] = mapped_column(Boolean())  # the shield gives new accounts less
    login_index: Mapped[bytes] = mapped_column(BlindIndex(), unique=True)
    login_name: Mapped[bytes] = mapped_column(Ciphertext())
    rpps: Mapped[str | None] = mapped_column(String(11), unique=True)
    amc_number: Mapped[str | None] = mapped_column(String(9))
    # An insured person's own record: their account reaches that beneficiary and no other.
    beneficiary_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("beneficiaries.id"), unique=True
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column()
    approved_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AccountStructureRow(Base):
    """The structures (FINESS) a professional or structure administrator acts for."""

    __tablename__ = "account_structures"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    finess: Mapped[str] = mapped_column(String(9), primary_key=True)


class SecurityEventRow(IdMixin, Base):
    """A security-relevant change to an account, shown to its owner. (The audit issue
    folds these into the tamper-evident log.)"""

    __tablename__ = "security_events"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    tag: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class PasskeyRow(IdMixin, Base):
    """A WebAuthn credential: public material only (the private key never leaves the
    person's authenticator)."""

    __tablename__ = "passkeys"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary())
    sign_count: Mapped[int] = mapped_column(Integer())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ChallengeRow(IdMixin, Base):
    """A ceremony's challenge: single use, short-lived, bound to an account (or to no
    account, for a sign-in attempt on a login that has none) and a purpose; found by
    its value, which the authenticator signs."""

    __tablename__ = "webauthn_challenges"

    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SessionRow(IdMixin, Base):
    """A server-side session. The browser holds a random token; only its hash is here."""

    __tablename__ = "sessions"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    factor: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When a factor was last presented in this session (sign-in or step-up).
    authenticated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())  # absolute limit
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(24))


class ThrottleRow(Base):
    """Sign-in failure counters, by keyed pseudonym of the subject (a login name or a
    client address): neither is stored."""

    __tablename__ = "sign_in_throttles"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer())
    last_failure: Mapped[datetime | None] = mapped_column(UtcDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CredentialRow(SealedMixin, Base):
    """An account's knowledge factors, where it has any: the argon2id password hash and
    the TOTP secret (sealed; the fallback factor). Passkeys are rows of their own."""

    __tablename__ = "account_credentials"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[bytes | None] = mapped_column(Ciphertext())
    totp_confirmed: Mapped[bool] = mapped_column(Boolean())
    totp_last_step: Mapped[int | None] = mapped_column(Integer())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RecoveryCodeRow(IdMixin, Base):
    """A single-use recovery code, as a hash (the person keeps the code offline)."""

    __tablename__ = "recovery_codes"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)


class DeviceRow(IdMixin, Base):
    """A browser that completed a phishing-resistant sign-in: it keeps a random token in
    a cookie, the database its hash. TOTP is accepted only from such a device."""

    __tablename__ = "known_devices"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PendingSignInRow(IdMixin, Base):
    """A fallback-factor sign-in from a new device, waiting for the account's passkey or
    Pro Santé Connect to confirm it from elsewhere."""

    __tablename__ = "pending_sign_ins"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # Shown to the person asked to confirm, so they can tell their own attempt from
    # someone else's (their own browser's description, nobody else's data).
    user_agent: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class EnrolmentRow(IdMixin, Base):
    """A one-time code handed to a newly approved person (out of band) to register
    their first passkey: an account starts with no factor at all."""

    __tablename__ = "enrolments"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
