"""The incident register's rows. No identifier of an insured person is stored here: the
people a scoping found are keyed pseudonyms (as in the audit log), and the documents that
re-identify them are written out by the platform DPO, never kept in the database.

`incident_log` is append-only: the repository only inserts, the ORM refuses updates and
deletes of its rows, and the migration adds database triggers that refuse them too.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from rempart.audit.models import PSEUDONYM_LENGTH
from rempart.db.base import Base, IdMixin
from rempart.db.types import UtcDateTime


class IncidentRow(IdMixin, Base):
    __tablename__ = "incidents"

    reference: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    kinds: Mapped[str] = mapped_column(String(64))  # space-separated domain.Kind values
    description: Mapped[str] = mapped_column(Text())
    owner_account_id: Mapped[uuid.UUID | None] = mapped_column()
    opened_by: Mapped[uuid.UUID] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime())
    aware_at: Mapped[datetime] = mapped_column(UtcDateTime())
    contained_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closure: Mapped[str | None] = mapped_column(String(16))
    # The contractual target in force when the incident was opened: a later change of the
    # setting does not move this incident's deadline.
    controller_target_hours: Mapped[int] = mapped_column(Integer())
    # The data disclosed was unintelligible to whoever got it (only ciphertexts, keys safe).
    unintelligible: Mapped[bool] = mapped_column(Boolean())
    # Where it came from: an alert of the shield, a report, a person.
    source_kind: Mapped[str | None] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    # The latest completed scoping (no foreign key: the two tables point at each other).
    scoping_id: Mapped[uuid.UUID | None] = mapped_column()
    # The next decision log entry's number: taken under the row's lock.
    next_seq: Mapped[int] = mapped_column(Integer())


class IncidentLogRow(IdMixin, Base):
    """The decision log (GDPR art. 33(5)): facts, effects and remedial action taken."""

    __tablename__ = "incident_log"
    __table_args__ = (UniqueConstraint("incident_id", "seq"),)

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"))
    seq: Mapped[int] = mapped_column(Integer())
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_role: Mapped[str | None] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text())
    details: Mapped[str] = mapped_column(Text())  # JSON object: counts, ids, outcomes


class IncidentScopingRow(IdMixin, Base):
    """One run of the exposure scoping for an incident. Its people are written in batches
    as they stream; the incident points at it once it is complete."""

    __tablename__ = "incident_scopings"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    actor_account_id: Mapped[uuid.UUID] = mapped_column()
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime] = mapped_column(UtcDateTime())
    # JSON: accounts, structures, clients, outcomes, and the addresses as keyed hashes.
    selector: Mapped[str] = mapped_column(Text())
    people: Mapped[int] = mapped_column(Integer())
    records: Mapped[int] = mapped_column(Integer())
    expired_records: Mapped[int] = mapped_column(Integer())
    by_amc: Mapped[str] = mapped_column(Text())  # JSON: the figures of each insurer


class IncidentExposureRow(Base):
    """One person a scoping found, as the audit log knows them: a keyed pseudonym."""

    __tablename__ = "incident_exposures"
    __table_args__ = (
        # The insured's own view; each insurer's letters in order.
        Index("ix_incident_exposures_pseudonym", "pseudonym"),
        Index("ix_incident_exposures_scoping_amc", "scoping_id", "amc", "pseudonym"),
    )

    scoping_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incident_scopings.id"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_LENGTH), primary_key=True)
    amc: Mapped[str | None] = mapped_column(String(9))
    categories: Mapped[int] = mapped_column(Integer())  # audit.domain.CATEGORY_BITS
    first_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_at: Mapped[datetime] = mapped_column(UtcDateTime())
    records: Mapped[int] = mapped_column(Integer())


class IncidentControllerRow(Base):
    """An insurer concerned (the controller), its part of the timeline and the notice it
    was sent (the latest version; the log keeps when each was sent)."""

    __tablename__ = "incident_controllers"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    amc: Mapped[str] = mapped_column(String(9), primary_key=True, index=True)
    in_scope: Mapped[bool] = mapped_column(Boolean())
    informed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    authority_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    authority_reference: Mapped[str | None] = mapped_column(String(64))
    people_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    notice_version: Mapped[int] = mapped_column(Integer())
    notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    notice_subject: Mapped[str | None] = mapped_column(String(200))
    notice_text: Mapped[str | None] = mapped_column(Text())
    art33_text: Mapped[str | None] = mapped_column(Text())
    letters_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
