"""The transactional outbox: a message is a row committed with the change it reports, so
a rolled-back change sends nothing and a committed one is never forgotten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin
from rempart.db.types import UtcDateTime


class OutboxMessageRow(IdMixin, Base):
    __tablename__ = "outbox_messages"

    topic: Mapped[str] = mapped_column(String(60))
    # Who it is for, by role and public reference ("structure", "010000001"): the relay's
    # adapter resolves the address, so no address or identifier sits in this table.
    recipient_kind: Mapped[str] = mapped_column(String(24))
    recipient_ref: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_outbox_messages_pending", "delivered_at", "created_at"),)
