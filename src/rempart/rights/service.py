"""Use cases of the rights check (IDB) and of accreditations.

A check discloses as little as the counter needs: open or closed (with a reason), the
validity period, the guarantees for the categories asked, and an accreditation. An
unknown person, a wrong birth date, a wrong member number and a wrong agreement type all
give the same answer. The shield is asked before anything else; the audit record is
written in the transaction that issues the accreditation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from rempart.audit.domain import AuditTag, Category, Outcome
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.db.base import table_of
from rempart.db.bulk import insert_many
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import (
    Actor,
    ObjectKind,
    Permission,
    Target,
    authorize,
    may_ever,
)
from rempart.kernel.errors import Forbidden, InvalidInput, NotFound
from rempart.kernel.ids import new_id
from rempart.registry.domain import GuaranteeLine
from rempart.registry.models import BeneficiaryRow
from rempart.registry.service import (
    BeneficiaryRights,
    beneficiary_contract,
    beneficiary_rights,
    card_rights,
)
from rempart.rights.calculation import Coverage, calculate_coverage
from rempart.rights.domain import CareLine, YearConsumption
from rempart.rights.eligibility import NO_MATCH, CheckStatus, Eligibility, eligibility
from rempart.rights.models import AccreditationRow
from rempart.rights.reasons import Reason
from rempart.rights.requests import RightsCheckRequest
from rempart.shield.port import Card, Shield, admit

# An invoice is due within 8 working days of care: 15 calendar days covers weekends and
# public holidays; after that the guarantee no longer holds.
ACCREDITATION_LIFETIME = timedelta(days=15)
VALID, REVOKED = "valid", "revoked"


@dataclass(frozen=True)
class RightsAnswer:
    status: CheckStatus
    reason: Reason | None
    valid_from: date | None
    valid_until: date | None
    guarantees: tuple[GuaranteeLine, ...]
    accreditation_id: uuid.UUID | None
    accreditation_expires_on: date | None


def acting_structure(actor: Actor, permission: Permission, named: str | None) -> str:
    """The structure the actor acts for: the one named, or its only one; checked."""
    if not may_ever(actor, permission):
        raise Forbidden(f"{permission} is not allowed here")
    if named is None:
        if len(actor.structures) != 1:
            raise InvalidInput("name the structure (FINESS) you act for", field="structure")
        (named,) = actor.structures
    authorize(actor, permission, Target(ObjectKind.STRUCTURE, named))
    return named


def check_rights(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, request: RightsCheckRequest
) -> RightsAnswer:
    structure = acting_structure(actor, Permission.RIGHTS_CHECK, request.structure)
    admit(shield, uow, actor, "rights.check", structure)
    request = request.validated(today=uow.clock.today())
    with uow:
        found = card_rights(
            uow=uow,
            insured_nir=request.insured_nir,
            birth_date=request.birth_date,
            birth_rank=request.birth_rank,
            amc_number=request.amc_number,
            member_number=request.member_number,
            categories=request.categories,
        )
        decision = _decide(None if found is None else found.rights, request)
        guarantees: tuple[GuaranteeLine, ...] = ()
        accreditation: tuple[uuid.UUID, date] | None = None
        beneficiary_id = None if found is None else found.beneficiary_id
        if decision.status is CheckStatus.OPEN and found is not None:
            guarantees = found.guarantees
            accreditation = _accredit(uow, found.beneficiary_id, structure, request.date_of_care)
        disclosed = _disclosed(decision, guarantees)
        record_action(
            uow,
            tag=(
                AuditTag.RIGHTS_CHECK_ANSWERED
                if decision.status is not CheckStatus.NO_MATCHING_RIGHTS
                else AuditTag.RIGHTS_CHECK_REFUSED
            ),
            actor=actor,
            structure=structure,
            outcome=Outcome.ALLOWED if disclosed else Outcome.NOT_FOUND,
            target_pseudonym=(
                None
                if beneficiary_id is None
                else pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id))
            ),
            target_amc=request.amc_number,
            categories=disclosed,
        )
        shield.observe(
            uow=uow,
            actor=actor,
            action="rights.check",
            structure=structure,
            now=uow.clock.now(),
            matched=decision.status is not CheckStatus.NO_MATCHING_RIGHTS,
            beneficiary_id=beneficiary_id,
            accredited=accreditation is not None,
            card=Card(
                request.insured_nir,
                request.birth_date,
                request.birth_rank,
                request.amc_number,
                request.member_number,
            ),
        )
        uow.commit()
    return RightsAnswer(
        decision.status,
        decision.reason,
        decision.valid_from,
        decision.valid_until,
        guarantees,
        accreditation[0] if accreditation else None,
        accreditation[1] if accreditation else None,
    )


def _decide(rights: BeneficiaryRights | None, request: RightsCheckRequest) -> Eligibility:
    if rights is None:
        return NO_MATCH
    if rights.agreement_type != request.agreement_type:
        return NO_MATCH  # the card does not match: say no more than for a stranger
    return eligibility(rights.periods, day=request.date_of_care)


def _disclosed(decision: Eligibility, guarantees: tuple[GuaranteeLine, ...]) -> set[Category]:
    if decision.status is CheckStatus.NO_MATCHING_RIGHTS:
        return set()
    return {Category.RIGHTS, Category.GUARANTEES} if guarantees else {Category.RIGHTS}


_ACCREDITATIONS = table_of(AccreditationRow)


def _accredit(
    uow: UnitOfWork, beneficiary_id: uuid.UUID, structure: str, date_of_care: date
) -> tuple[uuid.UUID, date]:
    """A plain insert (no ORM object: every open check issues one), on the session's
    connection, through the driver-level writer: compiled once, where even a Core
    statement pays SQLAlchemy's per-execution bookkeeping again on every check."""
    accreditation_id = new_id()
    # From the later of the care and the check: a late check still gets a guarantee it
    # can use; whether a late invoice is still due is the adjudication's call.
    expires_on = max(date_of_care, uow.clock.today()) + ACCREDITATION_LIFETIME
    insert_many(
        uow.connection(),
        _ACCREDITATIONS,
        [
            {
                "id": accreditation_id,
                "beneficiary_id": beneficiary_id,
                "structure_finess": structure,
                "date_of_care": date_of_care,
                "issued_at": uow.clock.now(),
                "expires_on": expires_on,
                "status": VALID,
                "revoked_at": None,
                "revoke_reason": None,
            }
        ],
    )
    return accreditation_id, expires_on


@dataclass(frozen=True)
class Revocation:
    accreditation_id: uuid.UUID
    revoked_at: datetime
    reason: Reason


def revoked_since(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    since: datetime,
    structure: str | None = None,
) -> list[Revocation]:
    """Accreditations of the actor's structure revoked at or after `since`, oldest first
    (software polls this and stops relying on them). Through the shield like any call:
    a suspended or braked caller, or another installation of a client's key, gets
    nothing, and the polling counts against the caller's quotas."""
    finess = acting_structure(actor, Permission.RIGHTS_REVOKED_LIST, structure)
    admit(shield, uow, actor, "rights.revoked", finess)
    with uow:
        rows = uow.session.execute(
            select(AccreditationRow.id, AccreditationRow.revoked_at, AccreditationRow.revoke_reason)
            .where(
                AccreditationRow.structure_finess == finess,
                AccreditationRow.status == REVOKED,
                AccreditationRow.revoked_at >= since,
            )
            .order_by(AccreditationRow.revoked_at)
            .limit(10_000)
        ).all()
        return [
            Revocation(row.id, row.revoked_at, Reason(row.revoke_reason))
            for row in rows
            if row.revoked_at is not None and row.revoke_reason is not None
        ]


def revoke_uncovered(*, uow: UnitOfWork, beneficiary_ids: list[uuid.UUID]) -> int:
    """After an import changed these beneficiaries' rights: every valid accreditation
    whose date of care the rights no longer cover is revoked (rights closed
    retroactively). Returns how many."""
    revoked = 0
    with uow:
        now = uow.clock.now()
        for start in range(0, len(beneficiary_ids), 500):
            chunk = beneficiary_ids[start : start + 500]
            candidates = uow.session.scalars(
                select(AccreditationRow).where(
                    AccreditationRow.beneficiary_id.in_(chunk),
                    AccreditationRow.status == VALID,
                )
            ).all()
            periods = {
                b: beneficiary_rights(session=uow.session, beneficiary_id=b).periods
                for b in {row.beneficiary_id for row in candidates}
            }
            stale = [
                row.id
                for row in candidates
                if eligibility(periods[row.beneficiary_id], day=row.date_of_care).status
                is not CheckStatus.OPEN
            ]
            if stale:
                uow.session.execute(
                    update(AccreditationRow)
                    .where(AccreditationRow.id.in_(stale))
                    .values(
                        status=REVOKED, revoked_at=now, revoke_reason=Reason.ACCREDITATION_REVOKED
                    )
                )
                revoked += len(stale)
        uow.commit()
    return revoked


def revoke_after_import(*, uow: UnitOfWork, run_id: uuid.UUID) -> int:
    """The accreditations an import made stale: those of the beneficiaries it changed."""
    with uow:
        changed = list(
            uow.session.scalars(
                select(AccreditationRow.beneficiary_id)
                .join(BeneficiaryRow, BeneficiaryRow.id == AccreditationRow.beneficiary_id)
                .where(BeneficiaryRow.last_import_id == run_id, AccreditationRow.status == VALID)
                .distinct()
            )
        )
    return revoke_uncovered(uow=uow, beneficiary_ids=changed) if changed else 0


def simulate_coverage(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    accreditation_id: uuid.UUID,
    lines: Sequence[CareLine],
    structure: str | None = None,
) -> Coverage:
    """The AMC share of lines about to be dispensed under an accreditation of the
    structure, without consuming anything. The year's consumption is not yet recorded
    (invoices will record it), so ceilings are measured against none."""
    finess = acting_structure(actor, Permission.RIGHTS_CALCULATION, structure)
    admit(shield, uow, actor, "rights.calculation", finess)
    with uow:
        accreditation = uow.session.get(AccreditationRow, accreditation_id)
        if (
            accreditation is None
            or accreditation.structure_finess != finess
            or accreditation.status != VALID
            or accreditation.expires_on < uow.clock.today()
        ):
            raise NotFound("no valid accreditation of this structure has this id")
        rights = beneficiary_rights(
            session=uow.session, beneficiary_id=accreditation.beneficiary_id
        )
        day = accreditation.date_of_care
        coverage = calculate_coverage(
            contract=beneficiary_contract(session=uow.session, rights=rights),
            lines=lines,
            date_of_care=day,
            consumption=YearConsumption(day.year),
        )
        record_action(
            uow,
            tag=AuditTag.RIGHTS_CALCULATION_ANSWERED,
            actor=actor,
            structure=finess,
            target_pseudonym=pseudonymise_target(
                uow.vault, BENEFICIARY, str(accreditation.beneficiary_id)
            ),
            categories={Category.GUARANTEES},
        )
        uow.commit()
    return coverage
