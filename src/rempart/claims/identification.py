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
from rempart.registry.service import BeneficiaryRights, beneficiary_rights, find_beneficiary
from rempart.rights.eligibility import CheckStatus, eligibility
from rempart.rights.models import AccreditationRow
from rempart.rights.reasons import Reason

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Identified:
    beneficiary_id: uuid.UUID
    rights: BeneficiaryRights
    accreditation_expires_on: date | None


@dataclass(frozen=True)
class Refused:
    reason: Reason
    beneficiary_id: uuid.UUID | None = None


def identify(
    uow: UnitOfWork, *, structure: str, submission: InvoiceSubmission
) -> Identified | Refused:
    card_beneficiary = _from_card(uow, submission)
    if submission.accreditation_id is not None:
        return _from_accreditation(uow, structure, submission, card_beneficiary)
    if card_beneficiary is None:
        return Refused(Reason.NO_MATCHING_RIGHTS)
    rights = beneficiary_rights(session=uow.session, beneficiary_id=card_beneficiary)
    card = submission.card
    if card is None or rights.agreement_type != card.agreement_type:
        return Refused(Reason.NO_MATCHING_RIGHTS)  # as a rights check would say
    decision = eligibility(rights.periods, day=submission.date_of_care)
    if decision.status is not CheckStatus.OPEN:
        return Refused(decision.reason or Reason.RIGHTS_CLOSED, card_beneficiary)
    return Identified(card_beneficiary, rights, None)


def _from_card(uow: UnitOfWork, submission: InvoiceSubmission) -> uuid.UUID | None:
    card = submission.card
    if card is None:
        return None
    return find_beneficiary(
        uow=uow,
        insured_nir=card.insured_nir,
        birth_date=card.birth_date,
        birth_rank=card.birth_rank,
        amc_number=card.amc_number,
        member_number=card.member_number,
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
