"""What a breach response may open of the registry, inside the caller's unit of work:
the insurers' names and DPO contacts (to address their notices), the beneficiaries of an
insurer (whose keyed pseudonyms the incident flow recomputes to find the people a scope
names) and those people's card keys (for the insurer to find them in its member file).

The incident flow calls these under the platform DPO's permission and audits every
person it re-identifies; nothing here decides who may."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select

from rempart.db.uow import UnitOfWork
from rempart.registry.models import BeneficiaryRow, InsurerRow, MemberRow

STREAM_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class InsurerContact:
    amc: str
    name: str
    dpo_email: str


@dataclass(frozen=True, slots=True)
class CardKey:
    """What the insurer's member file is keyed by: member number, and within the member's
    family the beneficiary's birth date as on the card and birth rank."""

    member_number: str
    birth_date: str
    birth_rank: int


def insurer_contacts(uow: UnitOfWork, amc_numbers: Iterable[str]) -> dict[str, InsurerContact]:
    rows = uow.session.execute(
        select(InsurerRow.id, InsurerRow.amc_number, InsurerRow.name, InsurerRow.dpo_email).where(
            InsurerRow.amc_number.in_(sorted(set(amc_numbers)))
        )
    )
    return {
        row.amc_number: InsurerContact(
            row.amc_number,
            row.name,
            uow.vault.open(row.dpo_email, table="insurers", column="dpo_email", row_id=row.id),
        )
        for row in rows
    }


def beneficiaries_of(uow: UnitOfWork, amc_number: str) -> Iterator[uuid.UUID]:
    """Every beneficiary id of the insurer, streamed (an insurer may hold millions)."""
    statement = (
        select(BeneficiaryRow.id)
        .join(MemberRow, MemberRow.id == BeneficiaryRow.member_id)
        .join(InsurerRow, InsurerRow.id == MemberRow.insurer_id)
        .where(InsurerRow.amc_number == amc_number)
        .execution_options(yield_per=STREAM_BATCH)
    )
    yield from uow.session.scalars(statement)


def card_keys(uow: UnitOfWork, beneficiary_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CardKey]:
    """The card keys of these beneficiaries, opened (in batches)."""
    ids = list(beneficiary_ids)
    keys: dict[uuid.UUID, CardKey] = {}
    vault = uow.vault
    for start in range(0, len(ids), STREAM_BATCH):
        rows = uow.session.execute(
            select(
                BeneficiaryRow.id,
                BeneficiaryRow.birth_date,
                BeneficiaryRow.birth_rank,
                MemberRow.id.label("member_id"),
                MemberRow.member_number,
            )
            .join(MemberRow, MemberRow.id == BeneficiaryRow.member_id)
            .where(BeneficiaryRow.id.in_(ids[start : start + STREAM_BATCH]))
        )
        for row in rows:
            keys[row.id] = CardKey(
                member_number=vault.open(
                    row.member_number, table="members", column="member_number", row_id=row.member_id
                ),
                birth_date=vault.open(
                    row.birth_date, table="beneficiaries", column="birth_date", row_id=row.id
                ),
                birth_rank=row.birth_rank,
            )
    return keys
