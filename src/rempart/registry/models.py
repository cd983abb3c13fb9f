"""The registry's rows. Personal fields are ciphertexts; lookups go through blind indexes.

Clear columns are limited to what is public (AMC numbers, RPPS, FINESS, SIRET, structure
names) or what cannot identify anyone alone (birth rank, relationship, rights periods).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin, SealedMixin
from rempart.db.types import BlindIndex, Ciphertext, UtcDateTime


class InsurerRow(IdMixin, SealedMixin, Base):
    __tablename__ = "insurers"

    amc_number: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    dpo_email: Mapped[bytes] = mapped_column(Ciphertext())
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContractRow(IdMixin, Base):
    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("insurer_id", "code"),)

    insurer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insurers.id"))
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    responsible: Mapped[bool] = mapped_column(Boolean())


class GuaranteeLineRow(IdMixin, Base):
    __tablename__ = "guarantee_lines"
    __table_args__ = (UniqueConstraint("contract_id", "category"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(24))
    rate_bp: Mapped[int | None] = mapped_column(Integer())
    amount_cents: Mapped[int | None] = mapped_column(Integer())
    yearly_ceiling_cents: Mapped[int | None] = mapped_column(Integer())
    renewal_months: Mapped[int | None] = mapped_column(Integer())


class MemberRow(IdMixin, SealedMixin, Base):
    """A member (adhérent) of one insurer: the holder of the contract."""

    __tablename__ = "members"

    insurer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insurers.id"), index=True)
    member_index: Mapped[bytes] = mapped_column(BlindIndex(), unique=True)
    member_number: Mapped[bytes] = mapped_column(Ciphertext())
    insured_nir: Mapped[bytes] = mapped_column(Ciphertext())
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    agreement_type: Mapped[str] = mapped_column(String(8))


class BeneficiaryRow(IdMixin, SealedMixin, Base):
    __tablename__ = "beneficiaries"

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    # HMAC of the card tuple: insured NIR, birth date as on card, rank, AMC, member number.
    card_index: Mapped[bytes] = mapped_column(BlindIndex(), unique=True)
    # The card holder's NIR as this beneficiary's line stated it: within one member, a
    # spouse may hold a Carte Vitale of their own, so it is the beneficiary's fact.
    card_nir: Mapped[bytes] = mapped_column(Ciphertext())
    # Contract and agreement as this beneficiary's line stated them (the member row keeps
    # the latest for the whole family).
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id"))
    agreement_type: Mapped[str] = mapped_column(String(8))
    nir_index: Mapped[bytes | None] = mapped_column(BlindIndex(), index=True)
    nir: Mapped[bytes | None] = mapped_column(Ciphertext())
    birth_date: Mapped[bytes] = mapped_column(Ciphertext())
    birth_rank: Mapped[int] = mapped_column(Integer())
    relationship: Mapped[str] = mapped_column(String(16))
    last_name: Mapped[bytes] = mapped_column(Ciphertext())
    first_name: Mapped[bytes] = mapped_column(Ciphertext())
    rights_as_of: Mapped[date] = mapped_column(Date())
    # Keyed digest of the last statement applied: an unchanged line is skipped unwritten.
    statement_digest: Mapped[bytes] = mapped_column(BlindIndex())
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    last_import_id: Mapped[uuid.UUID | None] = mapped_column()
    last_import_line: Mapped[int | None] = mapped_column(Integer())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RightsPeriodRow(IdMixin, Base):
    __tablename__ = "rights_periods"

    beneficiary_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[date] = mapped_column(Date())
    end: Mapped[date | None] = mapped_column(Date())
    status: Mapped[str] = mapped_column(String(16))


class StructureRow(IdMixin, SealedMixin, Base):
    __tablename__ = "structures"

    finess: Mapped[str] = mapped_column(String(9), unique=True)
    siret: Mapped[str] = mapped_column(String(14))
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[bytes] = mapped_column(Ciphertext())
    iban: Mapped[bytes] = mapped_column(Ciphertext())
    bic: Mapped[str] = mapped_column(String(11))


class ProfessionalRow(IdMixin, SealedMixin, Base):
    __tablename__ = "professionals"

    rpps: Mapped[str] = mapped_column(String(11), unique=True)
    profession: Mapped[str] = mapped_column(String(32))
    last_name: Mapped[bytes] = mapped_column(Ciphertext())
    first_name: Mapped[bytes] = mapped_column(Ciphertext())


class MembershipRow(Base):
    __tablename__ = "memberships"

    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id"), primary_key=True
    )
    structure_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("structures.id"), primary_key=True, index=True
    )
    administrator: Mapped[bool] = mapped_column(Boolean())


class ImportRunRow(IdMixin, Base):
    """One import of one file; its checkpoint commits with each batch."""

    __tablename__ = "import_runs"

    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    snapshot: Mapped[bool] = mapped_column(Boolean())
    as_of: Mapped[date] = mapped_column(Date())
    status: Mapped[str] = mapped_column(String(16))
    checkpoint_line: Mapped[int] = mapped_column(Integer())
    lines_read: Mapped[int] = mapped_column(Integer())
    created: Mapped[int] = mapped_column(Integer())
    updated: Mapped[int] = mapped_column(Integer())
    unchanged: Mapped[int] = mapped_column(Integer())
    rejected: Mapped[int] = mapped_column(Integer())
    closed: Mapped[int] = mapped_column(Integer())
    insurers_seen: Mapped[str] = mapped_column(Text())  # space-separated AMC numbers
    # The insurer whose staff sent the file from the insurer portal: only its own lines
    # are imported, and only its staff list the run. None for an operator's import.
    submitted_for: Mapped[str | None] = mapped_column(String(9), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ImportRejectionRow(Base):
    __tablename__ = "import_rejections"

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(300))


class MemberAccessReasonRow(Base):
    """Why insurer staff looked a member up or revealed their identity: the reason they
    stated, tied to the audit record of that access (written in the same transaction).
    A code from a closed list and a case reference, never free text about the person."""

    __tablename__ = "member_access_reasons"

    audit_record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    case_reference: Mapped[str] = mapped_column(String(40))
