"""Accounts and their security events. The login name is sealed and found through a
blind index; RPPS and AMC numbers are public directory identifiers, kept in clear."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
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
