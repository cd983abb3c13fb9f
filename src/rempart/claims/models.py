"""Invoices, their lines, the yearly consumption they record, and idempotency keys.

Lines repeat the invoice's structure, beneficiary, date and number so that "already
paid" is one unique index over accepted lines: two concurrent copies of one invoice
cannot both be accepted, whatever the application does."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin
from rempart.db.types import UtcDateTime


class InvoiceRow(IdMixin, Base):
    __tablename__ = "invoices"

    structure_finess: Mapped[str] = mapped_column(String(9))
    rpps: Mapped[str | None] = mapped_column(String(11))
    invoice_number: Mapped[str] = mapped_column(String(20))
    date_of_care: Mapped[date] = mapped_column(Date())
    beneficiary_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("beneficiaries.id"))
    accreditation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accreditations.id"))
    amc_number: Mapped[str] = mapped_column(String(9))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(40))  # when the whole invoice fell
    amc_cents: Mapped[int] = mapped_column(BigInteger())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_invoices_structure_received", "structure_finess", "received_at"),)


ACCEPTED_ONLY = text("status = 'accepted'")


class InvoiceLineRow(IdMixin, Base):
    __tablename__ = "invoice_lines"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer())
    structure_finess: Mapped[str] = mapped_column(String(9))
    beneficiary_id: Mapped[uuid.UUID | None] = mapped_column()
    amc_number: Mapped[str] = mapped_column(String(9))
    date_of_care: Mapped[date] = mapped_column(Date())
    invoice_number: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    category: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer())
    price_cents: Mapped[int] = mapped_column(BigInteger())
    amo_paid_cents: Mapped[int] = mapped_column(BigInteger())
    franchise_cents: Mapped[int] = mapped_column(BigInteger())
    amc_cents: Mapped[int] = mapped_column(BigInteger())
    patient_cents: Mapped[int] = mapped_column(BigInteger())
    rule: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40))
    near_duplicate: Mapped[bool] = mapped_column(Boolean())
    payout_id: Mapped[uuid.UUID | None] = mapped_column()  # set once, by a payment run
    advised_run_id: Mapped[uuid.UUID | None] = mapped_column()  # rejected: which advice said so

    __table_args__ = (
        Index(
            "uq_invoice_lines_already_paid",
            "structure_finess",
            "beneficiary_id",
            "date_of_care",
            "code",
            "invoice_number",
            unique=True,
            sqlite_where=ACCEPTED_ONLY,
            postgresql_where=ACCEPTED_ONLY,
        ),
        # Near duplicates and the payment run's selection of what is still to pay.
        Index("ix_invoice_lines_care", "beneficiary_id", "date_of_care", "code"),
        Index("ix_invoice_lines_payable", "status", "payout_id", "structure_finess"),
        # A payout's lines (settlements, advices, the ledger check) and the rejections
        # still to advise, without reading the table's history.
        Index("ix_invoice_lines_payout", "payout_id"),
        Index("ix_invoice_lines_advice", "status", "advised_run_id", "structure_finess"),
    )


class ConsumptionRow(Base):
    """What the AMC paid one beneficiary in one category in one year (ceilings)."""

    __tablename__ = "consumption"

    beneficiary_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("beneficiaries.id"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer(), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    amc_cents: Mapped[int] = mapped_column(BigInteger())
    acts: Mapped[int] = mapped_column(Integer())
    last_renewal: Mapped[date | None] = mapped_column(Date())


class IdempotencyRow(Base):
    """The first answer to an Idempotency-Key, per caller. The request is kept as a keyed
    digest (it holds card data), the answer as JSON (it holds none)."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"))
    answer: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
