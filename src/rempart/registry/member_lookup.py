"""Insurer staff looking up one of their own members by the exact card tuple, with a
stated reason: masked by default, the full identity on a second, separate "reveal".

No search, no listing, no partial match: the card tuple goes through the blind index like
a rights check, and the insurer's own AMC is part of the statement itself (joined in
SQL), so another insurer's member is "no match", exactly as an unknown card. Each lookup
and each reveal asks the shield first (the quotas of every identity-revealing read),
writes its audit record, and the stated reason beside it, in one transaction. The record
signs the reason too (its code and a keyed pseudonym of the case reference, as its
`purpose`): the reason kept in clear beside it cannot be rewritten after the fact
without `rempart audit verify`'s comparison failing."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import bindparam, select

from rempart.audit.domain import AuditTag, Category, Outcome
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import InvalidInput
from rempart.kernel.identifiers import BirthDateOnCard, Nir, parse_amc_number, parse_birth_rank
from rempart.registry.domain import Relationship, RightsPeriod
from rempart.registry.models import (
    BeneficiaryRow,
    InsurerRow,
    MemberAccessReasonRow,
    MemberRow,
)
from rempart.registry.own_insurer import admit_for_own_insurer
from rempart.registry.repository import BeneficiaryView, RegistryRepository
from rempart.registry.sealing import CARD, card_key
from rempart.shield.port import Card, Shield
from rempart.vault.cipher import Vault

MEMBER_REVEALED = "registry:member:revealed"
_MEMBER_NUMBER = re.compile(r"[A-Z0-9]{1,20}")
# A case reference: letters, digits and - _ / . (a ticket number), never a sentence
# about the person; a long run of digits could be a NIR or a member number.
_CASE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{2,39}")
_LONG_NUMBER = re.compile(r"\d{9,}")
MASK = "•"

_B, _M, _I = table_of(BeneficiaryRow), table_of(MemberRow), table_of(InsurerRow)
# The insurer's own members only, in the statement: the card's blind indexes (every live
# key version) and the AMC of the account, joined. Nothing else finds anyone.
_OWN_MEMBER_BY_CARD = (
    select(_B.c.id)
    .select_from(_B.join(_M, _M.c.id == _B.c.member_id).join(_I, _I.c.id == _M.c.insurer_id))
    .where(
        _B.c.card_index.in_(bindparam("indexes", expanding=True)),
        _I.c.amc_number == bindparam("own_amc"),
    )
)


class LookupReason(StrEnum):
    """Why staff look a member up: a closed list, so the log can be read and counted."""

    MEMBER_REQUEST = "member_request"  # the member asked (phone, letter, counter)
    CLAIM_REVIEW = "claim_review"  # an invoice or a reimbursement under review
    RIGHTS_CORRECTION = "rights_correction"  # a rights file line to correct
    DATA_SUBJECT_REQUEST = "data_subject_request"  # GDPR access or rectification
    FRAUD_INVESTIGATION = "fraud_investigation"


@dataclass(frozen=True)
class MemberCard:
    """The card tuple as typed (validated by `validated`)."""

    insured_nir: str = field(repr=False)
    birth_date: str = field(repr=False)  # as on the card, may be "lunar"
    birth_rank: int = field(repr=False)
    amc_number: str
    member_number: str = field(repr=False)

    def validated(self) -> MemberCard:
        member = self.member_number.strip().upper()
        if not _MEMBER_NUMBER.fullmatch(member):
            raise InvalidInput("member_number has 1-20 letters or digits", field="member_number")
        return MemberCard(
            Nir.parse(self.insured_nir, field="insured_nir").value,
            BirthDateOnCard.parse(self.birth_date).value,
            parse_birth_rank(self.birth_rank),
            parse_amc_number(self.amc_number),
            member,
        )


# Pseudonym kind of a case reference: staff type it, so only its keyed pseudonym is signed.
CASE_REFERENCE = "case-reference"


def signed_purpose(vault: Vault, reason: StatedReason) -> str:
    """What the audit record signs of a stated reason: `code|case:pseudonym`."""
    case = pseudonymise_target(vault, CASE_REFERENCE, reason.case_reference)
    return f"{reason.reason.value}|case:{case}"


@dataclass(frozen=True)
class StatedReason:
    reason: LookupReason
    case_reference: str

    @classmethod
    def parse(cls, reason: str, case_reference: str) -> StatedReason:
        try:
            code = LookupReason(reason)
        except ValueError:
            raise InvalidInput("choose the reason from the list", field="reason") from None
        reference = case_reference.strip()
        if not _CASE_REFERENCE.fullmatch(reference) or _LONG_NUMBER.search(reference):
            raise InvalidInput(
                "case_reference is 3-40 letters, digits or - _ / . (a ticket number, "
                "no identifier of the person)",
                field="case_reference",
            )
        return cls(code, reference)


@dataclass(frozen=True)
class MaskedMember:
    """What a lookup shows: enough to tell it is the right person, not who they are."""

    initials: str = field(repr=False)
    nir: str = field(repr=False)  # sex and birth year, the rest masked
    birth_year: str = field(repr=False)
    birth_rank: int
    relationship: Relationship
    contract_code: str
    rights: tuple[RightsPeriod, ...]
    rights_as_of: date
    closed_reason: str | None


@dataclass(frozen=True)
class RevealedMember:
    """The full identity, on a reveal only."""

    masked: MaskedMember
    last_name: str = field(repr=False)
    first_name: str = field(repr=False)
    insured_nir: str = field(repr=False)
    beneficiary_nir: str | None = field(repr=False)
    birth_date: str = field(repr=False)
    member_number: str = field(repr=False)


def mask_nir(nir: str) -> str:
    """`1 85 •• •• ••• ••• ••`: sex and birth year, as grouped on a Carte Vitale."""
    return f"{nir[0]} {nir[1:3]} {MASK * 2} {MASK * 2} {MASK * 3} {MASK * 3} {MASK * 2}"


def _initials(*names: str) -> str:
    return " ".join(f"{name.strip()[0].upper()}." for name in names if name.strip())


def _masked(view: BeneficiaryView) -> MaskedMember:
    return MaskedMember(
        initials=_initials(view.first_name, view.last_name),
        nir=mask_nir(view.insured_nir),
        birth_year=view.birth_date[:4],
        birth_rank=view.birth_rank,
        relationship=view.relationship,
        contract_code=view.contract_code,
        rights=view.rights,
        rights_as_of=view.rights_as_of,
        closed_reason=view.closed_reason,
    )


def look_up_member(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, card: MemberCard, reason: StatedReason
) -> MaskedMember | None:
    """The member the exact card names, masked; None when it names nobody of the
    actor's insurer (unknown and another insurer's member alike)."""
    view = _access(uow, actor, shield, card, reason, revealing=False)
    return None if view is None else _masked(view)


def reveal_member(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, card: MemberCard, reason: StatedReason
) -> RevealedMember | None:
    """The same lookup, answered with the full identity, on record as a reveal."""
    view = _access(uow, actor, shield, card, reason, revealing=True)
    if view is None:
        return None
    return RevealedMember(
        masked=_masked(view),
        last_name=view.last_name,
        first_name=view.first_name,
        insured_nir=view.insured_nir,
        beneficiary_nir=view.beneficiary_nir,
        birth_date=view.birth_date,
        member_number=view.member_number,
    )


def _access(
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    card: MemberCard,
    reason: StatedReason,
    *,
    revealing: bool,
) -> BeneficiaryView | None:
    action = "registry.member_reveal" if revealing else "registry.member_lookup"
    own_amc = admit_for_own_insurer(
        uow=uow, actor=actor, shield=shield, permission=Permission.MEMBER_LOOKUP, action=action
    )
    card = card.validated()
    with uow:
        key = card_key(
            insured_nir=card.insured_nir,
            birth_date=card.birth_date,
            birth_rank=card.birth_rank,
            amc_number=card.amc_number,
            member_number=card.member_number,
        )
        beneficiary_id: uuid.UUID | None = uow.session.scalar(
            _OWN_MEMBER_BY_CARD,
            {"indexes": list(uow.vault.lookup_indexes(CARD, key)), "own_amc": own_amc},
        )
        view = (
            None
            if beneficiary_id is None
            else RegistryRepository(uow.session, uow.vault).load_beneficiary(beneficiary_id)
        )
        disclosed = {Category.IDENTITY, Category.RIGHTS} if revealing else {Category.RIGHTS}
        record_id = record_action(
            uow,
            tag=MEMBER_REVEALED if revealing else AuditTag.REGISTRY_MEMBER_LOOKED_UP,
            actor=actor,
            outcome=Outcome.NOT_FOUND if view is None else Outcome.ALLOWED,
            target_pseudonym=(
                None
                if beneficiary_id is None
                else pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id))
            ),
            target_amc=own_amc,
            categories=() if view is None else disclosed,
            purpose=signed_purpose(uow.vault, reason),
        )
        uow.session.add(
            MemberAccessReasonRow(
                audit_record_id=record_id,
                reason=reason.reason.value,
                case_reference=reason.case_reference,
            )
        )
        # Enumeration and volume detectors see staff lookups like any card lookup.
        shield.observe(
            uow=uow,
            actor=actor,
            action=action,
            structure=None,
            now=uow.clock.now(),
            matched=view is not None,
            beneficiary_id=beneficiary_id,
            card=Card(
                card.insured_nir,
                card.birth_date,
                card.birth_rank,
                card.amc_number,
                card.member_number,
            ),
        )
        uow.commit()
    return view
