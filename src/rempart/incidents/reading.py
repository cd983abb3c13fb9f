"""Who else reads incidents: an insurer's DPO reads the notices Rempart sent its insurer
(its own insurer's, and only once sent); an insured person reads, beside their access
history, the incidents whose scope includes them — once their insurer has been told —
with the letter meant for them. Both reads are counted by the shield and audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, func, select

from rempart.audit.domain import Category, categories_of
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, ObjectKind, Permission, Target, authorize
from rempart.incidents import letters, notices
from rempart.incidents.domain import AUTHORITY_DELAY, AmcFigures, IncidentTag, Kind, Status
from rempart.incidents.models import IncidentControllerRow, IncidentExposureRow, IncidentRow
from rempart.incidents.notify import facts, letter_ref
from rempart.incidents.views import current_scoping, kinds_of_row
from rempart.kernel.errors import NotFound
from rempart.registry.service import directory_names
from rempart.shield.port import Shield, admit


@dataclass(frozen=True, slots=True)
class NoticeView:
    incident_id: uuid.UUID
    reference: str
    status: Status
    kinds: frozenset[Kind]
    contained_at: datetime | None
    unintelligible: bool
    version: int
    notice_at: datetime
    subject: str
    informed_at: datetime | None
    authority_due_at: datetime | None
    authority_notified_at: datetime | None
    people_notified_at: datetime | None
    figures: AmcFigures | None
    notice_text: str | None = None  # in the detail only
    art33_text: str | None = None


def _notice(row: IncidentRow, c: IncidentControllerRow, figures: AmcFigures | None) -> NoticeView:
    assert c.notice_at is not None
    return NoticeView(
        incident_id=row.id,
        reference=row.reference,
        status=Status(row.status),
        kinds=kinds_of_row(row),
        contained_at=row.contained_at,
        unintelligible=row.unintelligible,
        version=c.notice_version,
        notice_at=c.notice_at,
        subject=c.notice_subject or "",
        informed_at=c.informed_at,
        authority_due_at=None if c.informed_at is None else c.informed_at + AUTHORITY_DELAY,
        authority_notified_at=c.authority_notified_at,
        people_notified_at=c.people_notified_at,
        figures=figures,
    )


def _insurer(uow: UnitOfWork, shield: Shield, actor: Actor, amc: str) -> None:
    authorize(actor, Permission.INCIDENT_NOTICE_READ, Target(ObjectKind.AMC, amc))
    admit(shield, uow, actor, "incidents.notices")


def _sent(amc: str) -> Select[IncidentRow, IncidentControllerRow]:
    return (
        select(IncidentRow, IncidentControllerRow)
        .join(IncidentControllerRow, IncidentControllerRow.incident_id == IncidentRow.id)
        .where(IncidentControllerRow.amc == amc, IncidentControllerRow.notice_version > 0)
    )


def insurer_notices(*, uow: UnitOfWork, actor: Actor, shield: Shield, amc: str) -> list[NoticeView]:
    """The notices sent to the insurer, newest first (the latest version of each)."""
    _insurer(uow, shield, actor, amc)
    with uow:
        rows = uow.session.execute(_sent(amc).order_by(IncidentControllerRow.notice_at.desc()))
        views = []
        for incident, controller in rows:
            scoping = current_scoping(uow, incident)
            views.append(_notice(incident, controller, scoping.amc(amc) if scoping else None))
        record_action(uow, tag=IncidentTag.NOTICE_READ, actor=actor, target_amc=amc)
        uow.commit()
    return views


def insurer_notice(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, amc: str, incident_id: uuid.UUID
) -> NoticeView:
    """One notice with its text and the draft of the insurer's art. 33 notification."""
    _insurer(uow, shield, actor, amc)
    with uow:
        found = uow.session.execute(_sent(amc).where(IncidentRow.id == incident_id)).first()
        if found is None:
            raise NotFound("no notice of this incident for this insurer")
        incident, controller = found
        scoping = current_scoping(uow, incident)
        view = _notice(incident, controller, scoping.amc(amc) if scoping else None)
        record_action(uow, tag=IncidentTag.NOTICE_READ, actor=actor, target_amc=amc)
        uow.commit()
    return replace(view, notice_text=controller.notice_text, art33_text=controller.art33_text)


@dataclass(frozen=True, slots=True)
class PersonIncident:
    """An incident as it concerned the person: what was seen of them, when, and the
    letter written for them (their insurer sends it; here they can read it at once)."""

    reference: str
    status: Status
    insurer: str
    categories: frozenset[Category]
    first_at: datetime
    last_at: datetime
    unintelligible: bool
    letter: str


def incidents_concerning_me(
    *, uow: UnitOfWork, actor: Actor, shield: Shield
) -> list[PersonIncident]:
    authorize(
        actor,
        Permission.ACCESS_HISTORY_READ,
        Target(ObjectKind.BENEFICIARY, actor.beneficiary_id or ""),
    )
    admit(shield, uow, actor, "incidents.mine")
    with uow:
        pseudonym = pseudonymise_target(uow.vault, BENEFICIARY, actor.beneficiary_id or "")
        found = uow.session.execute(
            select(IncidentRow, IncidentExposureRow)
            .join(IncidentExposureRow, IncidentExposureRow.scoping_id == IncidentRow.scoping_id)
            .join(
                IncidentControllerRow,
                (IncidentControllerRow.incident_id == IncidentRow.id)
                & (IncidentControllerRow.amc == IncidentExposureRow.amc),
            )
            .where(
                IncidentExposureRow.pseudonym == pseudonym,
                IncidentControllerRow.informed_at.is_not(None),
            )
            .order_by(IncidentRow.opened_at.desc())
        ).all()
        _, _, names = directory_names(
            session=uow.session, finess=(), rpps=(), amc_numbers={e.amc for _, e in found if e.amc}
        )
        mine = []
        for incident, exposure in found:
            amc = exposure.amc or ""
            number = 1 + (
                uow.session.scalar(
                    select(func.count()).where(
                        IncidentExposureRow.scoping_id == exposure.scoping_id,
                        IncidentExposureRow.amc == amc,
                        IncidentExposureRow.pseudonym < pseudonym,
                    )
                )
                or 0
            )
            insurer = notices.Insurer(amc, names.get(amc, f"AMC {amc}"), None)
            person = letters.Person(
                letter_ref=letter_ref(incident.reference, amc, number),
                categories=categories_of(exposure.categories),
                first_at=exposure.first_at,
                last_at=exposure.last_at,
                records=exposure.records,
            )
            told = facts(uow, incident, current_scoping(uow, incident), "")
            mine.append(
                PersonIncident(
                    reference=incident.reference,
                    status=Status(incident.status),
                    insurer=insurer.name,
                    categories=person.categories,
                    first_at=person.first_at,
                    last_at=person.last_at,
                    unintelligible=incident.unintelligible,
                    letter=notices.plain_text(letters.person_letter(told, insurer, person)),
                )
            )
        record_action(uow, tag=IncidentTag.PERSON_READ, actor=actor, target_pseudonym=pseudonym)
        uow.commit()
    return mine
