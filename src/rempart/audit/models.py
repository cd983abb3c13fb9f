"""The audit log's rows.

`audit_records` is append-only for the application: appenders insert rows with no leaf
index; only the sequencer sets it, once; only retention clears payloads and the columns
that point at a person. The leaf hash stays forever, so proofs outlive payloads.

Indexes serve scoping ("every pseudonym disclosed to these accounts / structures /
clients / addresses between two instants"): each is (who, at), so one range scan per
named actor returns its window in time order; the target pseudonym is indexed with `at`
for the insured's own history. The leaf index's unique index also finds unsequenced rows
(NULL) for the sequencer.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from rempart.audit.domain import PURPOSE_LENGTH
from rempart.db.base import Base, IdMixin, index_where_present
from rempart.db.types import UtcDateTime

PSEUDONYM_LENGTH = 40


class AuditRecordRow(IdMixin, Base):
    __tablename__ = "audit_records"

    leaf_index: Mapped[int | None] = mapped_column(BigInteger(), unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    tag: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_rpps: Mapped[str | None] = mapped_column(String(11))
    structure_finess: Mapped[str | None] = mapped_column(String(9))
    client_id: Mapped[uuid.UUID | None] = mapped_column()
    target_pseudonym: Mapped[str | None] = mapped_column(String(PSEUDONYM_LENGTH))
    target_amc: Mapped[str | None] = mapped_column(String(9))
    categories: Mapped[int] = mapped_column(Integer())  # bit mask, see domain.CATEGORY_BITS
    request_id: Mapped[str | None] = mapped_column(String(64))
    address_hash: Mapped[str | None] = mapped_column(String(PSEUDONYM_LENGTH))
    user_agent_hash: Mapped[str | None] = mapped_column(String(PSEUDONYM_LENGTH))
    purpose: Mapped[str | None] = mapped_column(String(PURPOSE_LENGTH))
    payload: Mapped[bytes | None] = mapped_column(LargeBinary())
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    payload_expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        # A record names an account (a person) or a client (software), never both, and a
        # stranger's check names no one: each index holds only the records that name one.
        index_where_present("ix_audit_records_actor_at", "actor_account_id", "at"),
        Index("ix_audit_records_structure_at", "structure_finess", "at"),
        index_where_present("ix_audit_records_client_at", "client_id", "at"),
        Index("ix_audit_records_address_at", "address_hash", "at"),
        index_where_present("ix_audit_records_target_at", "target_pseudonym", "at"),
    )


class AuditTreeRow(Base):
    """The sequencer's state: one row, the compact range of the sealed tree."""

    __tablename__ = "audit_tree"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger())
    compact_range: Mapped[bytes] = mapped_column(LargeBinary())
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditCheckpointRow(IdMixin, Base):
    """A checkpoint as issued. The exported copy in the checkpoint store is the one that
    counts; this row lets verification notice a copy missing from the store, and its
    compact range lets the next checkpoint check its own range without rereading."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger(), unique=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(32))
    compact_range: Mapped[bytes] = mapped_column(LargeBinary())


class AccessReportRow(IdMixin, Base):
    """'This wasn't me': an insured person says an access to their record was not made
    for their care. For the shield and the security analysts; the person is known here
    only by the record's keyed pseudonym."""

    __tablename__ = "access_reports"

    record_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    target_pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_LENGTH))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16))


class AuditVerificationRow(IdMixin, Base):
    """The outcome of each verification of the log (`rempart audit verify`): counts
    only, what the security analysts' page shows as the log's state."""

    __tablename__ = "audit_verifications"

    finished_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ok: Mapped[bool] = mapped_column()
    records_checked: Mapped[int] = mapped_column(BigInteger())
    tree_size: Mapped[int] = mapped_column(BigInteger())
    covered_size: Mapped[int] = mapped_column(BigInteger())
    pending: Mapped[int] = mapped_column(BigInteger())
    findings: Mapped[int] = mapped_column(Integer())
