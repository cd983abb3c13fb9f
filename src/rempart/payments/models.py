"""The ledger's rows, and the payment runs' payouts and settlements."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin, SealedMixin
from rempart.db.types import Ciphertext, UtcDateTime


class LedgerPostingRow(IdMixin, Base):
    __tablename__ = "ledger_postings"

    kind: Mapped[str] = mapped_column(String(16))
    reference_id: Mapped[uuid.UUID] = mapped_column(index=True)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    posting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_postings.id"), index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger())
    invoice_line_id: Mapped[uuid.UUID | None] = mapped_column(index=True)


class PaymentRunRow(IdMixin, Base):
    """One run per value date: running it again resumes it, never repeats it."""

    __tablename__ = "payment_runs"

    run_date: Mapped[date] = mapped_column(Date(), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # running | paid | done
    # Lines received up to this instant belong to the run: fixed when it starts, so that a
    # resumed run takes exactly what the interrupted one would have.
    cutoff: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PayoutRow(IdMixin, SealedMixin, Base):
    """One transfer to one structure in one run: its lines point here. The account it goes
    to is fixed when the payout is made, so a resumed run writes the same file."""

    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("run_id", "structure_finess"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_runs.id"))
    structure_finess: Mapped[str] = mapped_column(String(9), index=True)
    account_name: Mapped[str] = mapped_column(String(200))
    iban: Mapped[bytes] = mapped_column(Ciphertext())
    iban_last4: Mapped[str] = mapped_column(String(4))
    bic: Mapped[str] = mapped_column(String(11))
    amount_cents: Mapped[int] = mapped_column(BigInteger())
    lines: Mapped[int] = mapped_column(Integer())
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SettlementRow(IdMixin, Base):
    """What one insurer is debited for the lines one run paid on its behalf."""

    __tablename__ = "settlements"
    __table_args__ = (UniqueConstraint("run_id", "amc_number"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_runs.id"))
    amc_number: Mapped[str] = mapped_column(String(9), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger())
    lines: Mapped[int] = mapped_column(Integer())
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InsurerMandateRow(IdMixin, SealedMixin, Base):
    """The SEPA direct debit mandate an insurer signed so that the platform debits what
    it paid on the insurer's behalf (B2B or core)."""

    __tablename__ = "insurer_mandates"

    amc_number: Mapped[str] = mapped_column(String(9), unique=True)
    account_name: Mapped[str] = mapped_column(String(70))
    iban: Mapped[bytes] = mapped_column(Ciphertext())
    bic: Mapped[str] = mapped_column(String(11))
    mandate_id: Mapped[str] = mapped_column(String(35))
    signed_on: Mapped[date] = mapped_column(Date())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
