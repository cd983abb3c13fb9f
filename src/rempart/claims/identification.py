"""Who an invoice is for, and whether the platform guarantees its payment: from a cited
accreditation (the payment guarantee), from the card data (rights at the date of care),
or both (they must agree)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from rempart.claims.requests import InvoiceSubmission
from rempart.db.uow import UnitOfWork
from rempart.registry.domain import GuaranteeLine
from rempart.registry.service import BeneficiaryRights, CardRights, beneficiary_rights, card_rights
from rempart.rights.eligibility import CheckStatus, eligibility
from rempart.rights.models import AccreditationRow
from rempart.rights.reasons import Reason

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Identified:
    beneficiary_id: uuid.UUID
    rights: BeneficiaryRights
    accreditation_expires_on: date | None
    # The contract's guarantee lines of the invoice's categories, when the card's one read
    # brought them with the person and their rights (`card_rights`): the adjudication
    # looks up no other category, and needs no second and third statement.
    guarantees: tuple[GuaranteeLine, ...] | None = None


@dataclass(frozen=True)
class Refused:
    reason: Reason
    beneficiary_id: uuid.UUID | None = None


def identify(
    uow: UnitOfWork, *, structure: str, submission: InvoiceSubmission
) -> Identified | Refused:
    found = _from_card(uow, submission)
    card_beneficiary = found.beneficiary_id if found is not None else None
    if submission.accreditation_id is not None:
        return _from_accreditation(uow, structure, submission, card_beneficiary)
    card = submission.card
    if found is None or card is None:
        return Refused(Reason.NO_MATCHING_RIGHTS)
    if found.rights.agreement_type != card.agreement_type:
        return Refused(Reason.NO_MATCHING_RIGHTS)  # as a rights check would say
    decision = eligibility(found.rights.periods, day=submission.date_of_care)
    if decision.status is not CheckStatus.OPEN:
        return Refused(decision.reason or Reason.RIGHTS_CLOSED, found.beneficiary_id)
    return Identified(found.beneficiary_id, found.rights, None, found.guarantees)


def _from_card(uow: UnitOfWork, submission: InvoiceSubmission) -> CardRights | None:
    card = submission.card
    if card is None:
        return None
    return card_rights(
        uow=uow,
        insured_nir=card.insured_nir,
        birth_date=card.birth_date,
        birth_rank=card.birth_rank,
        amc_number=card.amc_number,
        member_number=card.member_number,
        categories=dict.fromkeys(line.care.category for line in submission.lines),
    )


def _from_accreditation(
    uow: UnitOfWork,
    structure: str,
    submission: InvoiceSubmission,
    card_beneficiary: uuid.UUID | None,
) -> Identified | Refused:
    accreditation = uow.session.get(AccreditationRow, submission.accreditation_id)
    if (
        accreditation is None
        or accreditation.structure_finess != structure
        or accreditation.date_of_care != submission.date_of_care
        or (submission.card is not None and card_beneficiary != accreditation.beneficiary_id)
    ):
        return Refused(Reason.ACCREDITATION_MISMATCH)
    # The guarantee holds even if rights closed later, unless the accreditation was
    # revoked before the care was given.
    revoked_at = accreditation.revoked_at
    if revoked_at is not None and revoked_at < _start_of(accreditation.date_of_care):
        return Refused(Reason.ACCREDITATION_REVOKED, accreditation.beneficiary_id)
    rights = beneficiary_rights(session=uow.session, beneficiary_id=accreditation.beneficiary_id)
    return Identified(accreditation.beneficiary_id, rights, accreditation.expires_on)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS)  # care is dated in French time
