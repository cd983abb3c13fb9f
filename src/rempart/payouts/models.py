"""The bank accounts of structures: the one in effect, the changes under way and their
history. The IBAN is a ciphertext; only its last four characters are kept in clear, for
people to recognise the account."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin, SealedMixin
from rempart.db.types import Ciphertext, UtcDateTime

# The statuses of a change under way (domain.UNDER_WAY): at most one per structure.
_UNDER_WAY = text("status IN ('pending_approval', 'cooling_off')")


class BankAccountRow(IdMixin, SealedMixin, Base):
    """No row for a structure means its account is the one registered at onboarding
    (`structures.iban`): rows start with the first change."""

    __tablename__ = "structure_bank_accounts"

    structure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("structures.id"), index=True)
    iban: Mapped[bytes] = mapped_column(Ciphertext())
    iban_last4: Mapped[str] = mapped_column(String(4))
    bic: Mapped[str] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(20))
    requester_role: Mapped[str] = mapped_column(String(24))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    requested_by: Mapped[uuid.UUID] = mapped_column()  # an account id
    approved_by: Mapped[uuid.UUID | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When payments may use it: approval (or the structure administrator's request) plus
    # the cooling-off period; none while it waits for approval.
    effective_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index(
            "uq_structure_bank_accounts_under_way",
            "structure_id",
            unique=True,
            sqlite_where=_UNDER_WAY,
            postgresql_where=_UNDER_WAY,
        ),
    )
