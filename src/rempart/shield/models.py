"""The shield's durable state: alerts, containments (with their lift requests) and
honeytokens. Fast counters live in the feature store; what must survive a restart and
be the same for every worker lives here.

A containment is one row per subject and episode: its rung rises in place as the ladder
climbs, and `active_key` ("<kind>:<ref>", NULL once lifted) is unique, so that two
workers escalating the same subject at once meet on the constraint instead of opening
two episodes. Subjects are account and client UUIDs, FINESS and channel names: internal
or public references, never a person's identifier."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from rempart.db.base import Base, IdMixin
from rempart.db.types import UtcDateTime


class AlertRow(IdMixin, Base):
    __tablename__ = "shield_alerts"

    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    detector: Mapped[str | None] = mapped_column(String(48))
    evidence: Mapped[str] = mapped_column(String(1000))  # numbers and codes only
    rung: Mapped[str | None] = mapped_column(String(16))  # the containment step taken
    containment_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))  # open | acknowledged | closed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_shield_alerts_status_created", "status", "created_at"),)


class ContainmentRow(IdMixin, Base):
    __tablename__ = "shield_containments"

    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_ref: Mapped[str] = mapped_column(String(64))
    rung: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # active | lifted
    active_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    detector: Mapped[str | None] = mapped_column(String(48))  # the strongest signal
    evidence: Mapped[str] = mapped_column(String(1000))
    # Set on the containments another one brought with it (a suspended account's
    # structure's software clients): lifting the cause lifts them.
    cause_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[uuid.UUID | None] = mapped_column()  # an analyst; None: the shield
    escalated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lifted_by: Mapped[uuid.UUID | None] = mapped_column()  # the approving analyst

    __table_args__ = (
        Index("ix_shield_containments_subject", "subject_kind", "subject_ref"),
        Index("ix_shield_containments_status_created", "status", "created_at"),
    )


class LiftRequestRow(IdMixin, Base):
    """A security analyst asks for a containment to be lifted; another approves it."""

    __tablename__ = "shield_lift_requests"

    containment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shield_containments.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | superseded
    # The containment's id while pending: one pending request per containment.
    pending_key: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    requested_by: Mapped[uuid.UUID] = mapped_column()
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_by: Mapped[uuid.UUID | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HoneytokenRow(Base):
    """A beneficiary planted in the registry for no one to look up: no card of theirs
    exists at any counter, so any lookup of one comes from a copy of the data."""

    __tablename__ = "shield_honeytokens"

    beneficiary_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    planted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AnchoredKeyRow(Base):
    """A DPoP key a software client is known by (shield.installations): its first, or
    one a professional of the structure confirmed. Kept here, not only in the feature
    store, so that emptying the store (a restart without Redis, a Redis flush) does not
    hand the client's trust to whichever installation calls first."""

    __tablename__ = "shield_anchored_keys"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("software_clients.id"), primary_key=True
    )
    jkt: Mapped[str] = mapped_column(String(43), primary_key=True)  # RFC 7638 thumbprint
    how: Mapped[str] = mapped_column(String(16))  # first-use | confirmed
    anchored_at: Mapped[datetime] = mapped_column(UtcDateTime())
