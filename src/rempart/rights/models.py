"""Accreditations: the payment guarantee a rights check gives for one beneficiary, one
structure and one date of care."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin, index_where_present
from rempart.db.types import UtcDateTime


class AccreditationRow(IdMixin, Base):
    __tablename__ = "accreditations"

    beneficiary_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("beneficiaries.id"))
    structure_finess: Mapped[str] = mapped_column(String(9))
    date_of_care: Mapped[date] = mapped_column(Date())
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_on: Mapped[date] = mapped_column(Date())
    status: Mapped[str] = mapped_column(String(16))  # valid | revoked
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_accreditations_beneficiary_status", "beneficiary_id", "status"),
        # Software polls "revoked since": one range scan, over revoked ones only (every
        # check issues an accreditation; few are ever revoked).
        index_where_present("ix_accreditations_revoked_at", "revoked_at"),
    )
