"""Use cases of the register (GDPR art. 33(5)): open an incident, read it and the register,
record decisions and the timeline, assign it, close and reopen it. Security analysts and
the platform DPO; every use case is counted by the shield, audited, and leaves an entry
in the incident's decision log when it changes anything."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.incidents import domain
from rempart.incidents.domain import Closure, Entry, IncidentTag, Milestone, Status
from rempart.incidents.models import IncidentControllerRow, IncidentRow
from rempart.incidents.repository import append, controller_of, controller_rows, incident_row
from rempart.incidents.views import (
    IncidentView,
    admitted,
    all_incidents,
    incident_view,
    kinds_of_row,
)
from rempart.kernel.errors import Conflict, InvalidInput, NotFound
from rempart.kernel.ids import new_id
from rempart.shield.port import Shield

MANAGE = Permission.INCIDENT_MANAGE


@dataclass(frozen=True, slots=True)
class Source:
    """Where an incident comes from: a shield alert (its id), a report, a person. Only
    its kind and reference are kept; the subjects it names go to the scoping."""

    kind: str  # "alert" | "report" | "manual"
    reference: str | None = None

    def checked(self) -> Source:
        if self.kind not in ("alert", "report", "manual"):
            raise InvalidInput("source kind is alert, report or manual", field="source")
        if self.reference is not None and not (
            1 <= len(self.reference) <= 64 and self.reference.isprintable()
        ):
            raise InvalidInput("source reference: 1-64 printable characters", field="source")
        return self


def open_incident(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    kinds: Iterable[str],
    description: str,
    detected_at: datetime,
    aware_at: datetime | None = None,
    controller_target: timedelta,
    owner: uuid.UUID | None = None,
    unintelligible: bool = False,
    source: Source | None = None,
) -> uuid.UUID:
    """A new incident in the register, open; Rempart's awareness is now unless told.
    The contractual target for informing insurers is fixed at opening."""
    admitted(uow, shield, actor, MANAGE, "incidents.open")
    checked_kinds = domain.kinds_of(kinds)
    text = domain.free_text(description, field="description")
    source = None if source is None else source.checked()
    if not timedelta(hours=1) <= controller_target <= domain.AUTHORITY_DELAY:
        raise InvalidInput("the contractual target lies between 1 and 72 hours")
    with uow:
        now = uow.clock.now()
        aware = aware_at or now
        domain.check_opening(detected_at=detected_at, aware_at=aware, now=now)
        incident_id = new_id()
        row = IncidentRow(
            id=incident_id,
            reference=f"INC-{now:%Y%m%d}-{incident_id.hex[-6:].upper()}",
            status=Status.OPEN.value,
            kinds=" ".join(sorted(k.value for k in checked_kinds)),
            description=text,
            owner_account_id=owner or actor.account_id,
            opened_by=actor.account_id,
            opened_at=now,
            detected_at=detected_at,
            aware_at=aware,
            contained_at=None,
            closed_at=None,
            closure=None,
            controller_target_hours=int(controller_target.total_seconds() // 3600),
            unintelligible=unintelligible,
            source_kind=None if source is None else source.kind,
            source_ref=None if source is None else source.reference,
            scoping_id=None,
            next_seq=1,
        )
        uow.session.add(row)
        uow.session.flush()  # the incident before its first log entry (no ORM relationship)
        append(
            uow,
            row,
            actor=actor,
            kind=Entry.OPENED,
            summary=text,
            details={
                "kinds": sorted(k.value for k in checked_kinds),
                "detected_at": detected_at.isoformat(),
                "aware_at": aware.isoformat(),
                "unintelligible": unintelligible,
                "source": None if source is None else f"{source.kind}:{source.reference or ''}",
            },
        )
        record_action(uow, tag=IncidentTag.OPENED, actor=actor)
        uow.commit()
    return incident_id


def register(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, status: Status | None = None
) -> list[IncidentView]:
    """The register, newest first (without each incident's log)."""
    admitted(uow, shield, actor, MANAGE, "incidents.list")
    with uow:
        views = [incident_view(uow, r, with_log=False) for r in all_incidents(uow, status)]
        record_action(uow, tag=IncidentTag.LISTED, actor=actor)
        uow.commit()
    return views


def read_incident(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, incident_id: uuid.UUID
) -> IncidentView:
    admitted(uow, shield, actor, MANAGE, "incidents.read")
    with uow:
        view = incident_view(uow, incident_row(uow, incident_id))
        record_action(uow, tag=IncidentTag.READ, actor=actor)
        uow.commit()
    return view


def record_decision(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, incident_id: uuid.UUID, text: str
) -> int:
    """A decision, finding or action in the operator's words (a closed incident takes
    notes too: what was learnt). Returns the entry's number."""
    admitted(uow, shield, actor, MANAGE, "incidents.record")
    note = domain.free_text(text, field="text")
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        seq = append(uow, row, actor=actor, kind=Entry.DECISION, summary=note)
        record_action(uow, tag=IncidentTag.RECORDED, actor=actor)
        uow.commit()
    return seq


def record_milestone(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    incident_id: uuid.UUID,
    milestone: Milestone,
    at: datetime,
    amc: str | None = None,
    reference: str | None = None,
    note: str | None = None,
) -> int:
    """An instant of the timeline: containment; an insurer informed (other than by the
    notices, e.g. a call); the authority or the people notified by an insurer, as it
    tells Rempart (with the authority's reference when given)."""
    admitted(uow, shield, actor, MANAGE, "incidents.record")
    remark = None if note is None else domain.free_text(note, field="note", limit=500)
    if reference is not None:
        reference = domain.free_text(reference, field="reference", limit=64)
    if milestone.per_insurer != (amc is not None):
        raise InvalidInput(
            "name the insurer (AMC number) for this milestone, and only for it", field="amc"
        )
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        domain.require_active(Status(row.status))
        domain.check_instant(at, field="at", now=uow.clock.now(), not_before=row.detected_at)
        if milestone is Milestone.CONTAINED:
            row.status = domain.contained(Status(row.status)).value
            row.contained_at = at
        else:
            assert amc is not None
            controller = _controller(uow, incident_id, amc)
            problem = domain.milestone_conflict(
                milestone, None if controller is None else controller_of(controller)
            )
            if problem is not None or controller is None:
                raise Conflict(problem or "this insurer is not concerned by the incident")
            if milestone is Milestone.AMC_INFORMED:
                controller.informed_at = at
            elif milestone is Milestone.AUTHORITY_NOTIFIED:
                controller.authority_notified_at, controller.authority_reference = at, reference
            else:
                controller.people_notified_at = at
        summary = f"{milestone.value} at {at.isoformat()}" + (f" ({amc})" if amc else "")
        details: dict[str, object] = {"milestone": milestone.value, "at": at.isoformat()}
        if amc:
            details["amc"] = amc
        if reference:
            details["reference"] = reference
        seq = append(
            uow,
            row,
            actor=actor,
            kind=Entry.MILESTONE,
            summary=summary + (f": {remark}" if remark else ""),
            details=details,
        )
        record_action(uow, tag=IncidentTag.RECORDED, actor=actor, target_amc=amc)
        uow.commit()
    return seq


def _controller(uow: UnitOfWork, incident_id: uuid.UUID, amc: str) -> IncidentControllerRow | None:
    return next((c for c in controller_rows(uow, incident_id, lock=True) if c.amc == amc), None)


def assign_owner(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, incident_id: uuid.UUID, owner: uuid.UUID
) -> int:
    admitted(uow, shield, actor, MANAGE, "incidents.record")
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        if row.owner_account_id == owner:
            raise Conflict("this account already owns the incident")
        row.owner_account_id = owner
        seq = append(
            uow,
            row,
            actor=actor,
            kind=Entry.OWNER,
            summary=f"owner: {owner}",
            details={"owner": str(owner)},
        )
        record_action(uow, tag=IncidentTag.RECORDED, actor=actor)
        uow.commit()
    return seq


def mark_unintelligible(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    incident_id: uuid.UUID,
    unintelligible: bool,
    reason: str,
) -> int:
    """Whether the data disclosed was unintelligible to whoever got it (only encrypted
    fields, keys safe): the notices say so, and art. 34 letters are then not required."""
    admitted(uow, shield, actor, MANAGE, "incidents.record")
    why = domain.free_text(reason, field="reason", limit=domain.MAX_REASON)
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        domain.require_active(Status(row.status))
        if row.unintelligible == unintelligible:
            raise Conflict("the incident already says so")
        row.unintelligible = unintelligible
        seq = append(
            uow,
            row,
            actor=actor,
            kind=Entry.UNINTELLIGIBLE,
            summary=f"data {'un' if unintelligible else ''}intelligible to the recipient: {why}",
            details={"unintelligible": unintelligible},
        )
        record_action(uow, tag=IncidentTag.RECORDED, actor=actor)
        uow.commit()
    return seq


def close_incident(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    incident_id: uuid.UUID,
    closure: Closure,
    reason: str,
) -> int:
    admitted(uow, shield, actor, MANAGE, "incidents.close")
    why = domain.free_text(reason, field="reason")
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        controllers = [controller_of(c) for c in controller_rows(uow, incident_id)]
        row.status = domain.closed(
            Status(row.status),
            closure=closure,
            contained_at=row.contained_at,
            scoped=row.scoping_id is not None,
            controllers=controllers,
        ).value
        row.closed_at, row.closure = uow.clock.now(), closure.value
        seq = append(
            uow,
            row,
            actor=actor,
            kind=Entry.CLOSED,
            summary=f"closed ({closure.value}): {why}",
            details={"closure": closure.value, "kinds": sorted(kinds_of_row(row))},
        )
        record_action(uow, tag=IncidentTag.CLOSED, actor=actor)
        uow.commit()
    return seq


def reopen_incident(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, incident_id: uuid.UUID, reason: str
) -> int:
    admitted(uow, shield, actor, MANAGE, "incidents.close")
    why = domain.free_text(reason, field="reason")
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        row.status = domain.reopened(Status(row.status), contained_at=row.contained_at).value
        row.closed_at, row.closure = None, None
        seq = append(uow, row, actor=actor, kind=Entry.REOPENED, summary=f"reopened: {why}")
        record_action(uow, tag=IncidentTag.REOPENED, actor=actor)
        uow.commit()
    return seq


def find_incident(*, uow: UnitOfWork, named: str) -> uuid.UUID:
    """The incident an operator names by its id or its reference (INC-...)."""
    with uow:
        try:
            return incident_row(uow, uuid.UUID(named)).id
        except ValueError:
            found = uow.session.scalar(
                select(IncidentRow.id).where(IncidentRow.reference == named.strip().upper())
            )
        if found is None:
            raise NotFound("no such incident")
        return found
