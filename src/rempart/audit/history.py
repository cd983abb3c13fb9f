"""The insured's view of the log: who accessed their own record — which structure and
profession, or their insurer — when, and which categories of data were disclosed; and
"this wasn't me", a report for the shield and the security analysts.

Only accesses to the person's own record are shown (their account is bound to it), only
those that disclosed something, and never the person's own actions. Reading one's
history is itself recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rempart.audit.domain import AuditTag, Category, Outcome, categories_of
from rempart.audit.models import AccessReportRow, AuditRecordRow
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Actor, ObjectKind, Permission, Role, Target, authorize
from rempart.kernel.errors import Conflict, NotFound
from rempart.kernel.ids import new_id
from rempart.registry.service import directory_names
from rempart.shield.port import Shield, admit

HISTORY_LIMIT = 500
INSURER_ROLES = {Role.INSURER_STAFF.value, Role.INSURER_DPO.value}


@dataclass(frozen=True)
class Accessor:
    """Who accessed, as the insured may know it: a structure and profession (never a
    professional's name), their insurer, or the platform itself."""

    kind: str  # "professional" | "insurer" | "platform"
    structure_name: str | None = None
    structure_kind: str | None = None
    profession: str | None = None
    insurer_name: str | None = None


@dataclass(frozen=True)
class AccessView:
    record_id: uuid.UUID
    at: datetime
    accessor: Accessor
    channel: str
    categories: frozenset[Category]


def _own_pseudonym(uow: UnitOfWork, actor: Actor, permission: Permission) -> str:
    authorize(actor, permission, Target(ObjectKind.BENEFICIARY, actor.beneficiary_id or ""))
    assert actor.beneficiary_id is not None  # authorize refuses an actor without one
    return pseudonymise_target(uow.vault, BENEFICIARY, actor.beneficiary_id)


def access_history(
    *, uow: UnitOfWork, actor: Actor, shield: Shield | None = None
) -> list[AccessView]:
    """Newest first, at most HISTORY_LIMIT entries. Counted by the shield when given (the
    API and the portal give it)."""
    authorize(
        actor,
        Permission.ACCESS_HISTORY_READ,
        Target(ObjectKind.BENEFICIARY, actor.beneficiary_id or ""),
    )
    if shield is not None:
        admit(shield, uow, actor, "audit.history")
    with uow:
        pseudonym = _own_pseudonym(uow, actor, Permission.ACCESS_HISTORY_READ)
        rows = uow.session.scalars(
            select(AuditRecordRow)
            .where(
                AuditRecordRow.target_pseudonym == pseudonym,
                AuditRecordRow.outcome == Outcome.ALLOWED,
                AuditRecordRow.categories != 0,
            )
            .order_by(AuditRecordRow.at.desc())
            .limit(HISTORY_LIMIT)
        ).all()
        rows = [r for r in rows if r.actor_account_id != actor.account_id]
        accessors = _describe(uow, rows)
        record_action(uow, tag=AuditTag.AUDIT_HISTORY_READ, actor=actor, target_pseudonym=pseudonym)
        uow.commit()
    return [
        AccessView(r.id, r.at, accessors[r.id], r.channel, categories_of(r.categories))
        for r in rows
    ]


def _describe(uow: UnitOfWork, rows: list[AuditRecordRow]) -> dict[uuid.UUID, Accessor]:
    accounts = {r.actor_account_id for r in rows if r.actor_account_id is not None}
    roles = {
        a.id: (a.role, a.amc_number)
        for a in uow.session.execute(
            select(AccountRow.id, AccountRow.role, AccountRow.amc_number).where(
                AccountRow.id.in_(accounts)
            )
        )
    }
    structures, professions, insurers = directory_names(
        session=uow.session,
        finess={r.structure_finess for r in rows if r.structure_finess},
        rpps={r.actor_rpps for r in rows if r.actor_rpps},
        amc_numbers={amc for _, amc in roles.values() if amc},
    )
    described: dict[uuid.UUID, Accessor] = {}
    for r in rows:
        role, amc = (
            roles.get(r.actor_account_id, (None, None)) if r.actor_account_id else (None, None)
        )
        if r.structure_finess is not None:
            name, kind = structures.get(r.structure_finess, (None, None))
            profession = professions.get(r.actor_rpps) if r.actor_rpps else None
            described[r.id] = Accessor("professional", name, kind, profession)
        elif role in INSURER_ROLES:
            described[r.id] = Accessor("insurer", insurer_name=insurers.get(amc or ""))
        else:
            described[r.id] = Accessor("platform")
    return described


def report_access(
    *, uow: UnitOfWork, actor: Actor, record_id: uuid.UUID, shield: Shield | None = None
) -> uuid.UUID:
    """'This wasn't me' about one access to one's own record; once per access. The
    shield weighs it against whoever made the access."""
    with uow:
        pseudonym = _own_pseudonym(uow, actor, Permission.ACCESS_REPORT)
        record = uow.session.get(AuditRecordRow, record_id)
        if record is None or record.target_pseudonym != pseudonym:
            raise NotFound("no such access to your record")
        report_id = new_id()
        uow.session.add(
            AccessReportRow(
                id=report_id,
                record_id=record_id,
                target_pseudonym=pseudonym,
                reported_at=uow.clock.now(),
                status="open",
            )
        )
        try:
            uow.session.flush()
        except IntegrityError:  # the record's one report, possibly just made by a twin request
            raise Conflict("this access is already reported") from None
        record_action(
            uow, tag=AuditTag.AUDIT_HISTORY_REPORTED, actor=actor, target_pseudonym=pseudonym
        )
        if shield is not None:
            shield.observe_access_report(
                accessor_account=record.actor_account_id,
                accessor_client=record.client_id,
                structure=record.structure_finess,
                now=uow.clock.now(),
                uow=uow,
            )
        uow.commit()
        return report_id


@dataclass(frozen=True)
class AccessReportView:
    id: uuid.UUID
    reported_at: datetime
    record_id: uuid.UUID
    accessed_at: datetime
    actor_account_id: uuid.UUID | None
    actor_rpps: str | None
    structure_finess: str | None
    client_id: uuid.UUID | None
    categories: frozenset[Category]


def open_access_reports(*, uow: UnitOfWork, actor: Actor) -> list[AccessReportView]:
    """For the security analysts: who is said to have looked without cause (the person
    who reported stays a pseudonym)."""
    authorize(actor, Permission.ALERT_READ, Target.platform())
    with uow:
        rows = uow.session.execute(
            select(AccessReportRow, AuditRecordRow)
            .join(AuditRecordRow, AuditRecordRow.id == AccessReportRow.record_id)
            .where(AccessReportRow.status == "open")
            .order_by(AccessReportRow.reported_at)
        ).all()
        return [
            AccessReportView(
                report.id,
                report.reported_at,
                record.id,
                record.at,
                record.actor_account_id,
                record.actor_rpps,
                record.structure_finess,
                record.client_id,
                categories_of(record.categories),
            )
            for report, record in rows
        ]
