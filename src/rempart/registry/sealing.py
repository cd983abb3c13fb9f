"""How registry values become ciphertexts and blind indexes, in one place: the import,
the repository and the key rotation all go through these functions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, Table, select
from sqlalchemy.orm import Session

from rempart.db.base import table_of
from rempart.registry.domain import BeneficiaryStatement, RightsPeriod, RightsStatus
from rempart.registry.models import (
    BeneficiaryRow,
    ContractRow,
    InsurerRow,
    MemberRow,
    ProfessionalRow,
    RightsPeriodRow,
    StructureRow,
)
from rempart.registry.rights_file import format_rights
from rempart.vault.cipher import Vault, canonical
from rempart.vault.sealed import AnySelect, ColumnsSealedTable

CARD = "beneficiary.card"
MEMBER = "member.number"
NIR = "nir"
DIGEST = "beneficiary.statement"


def card_key(
    *, insured_nir: str, birth_date: str, birth_rank: int, amc_number: str, member_number: str
) -> bytes:
    return canonical(insured_nir, birth_date, birth_rank, amc_number, member_number)


def statement_card_key(s: BeneficiaryStatement) -> bytes:
    return card_key(
        insured_nir=s.insured_nir,
        birth_date=s.birth_date,
        birth_rank=s.birth_rank,
        amc_number=s.amc_number,
        member_number=s.member_number,
    )


def member_key(*, amc_number: str, member_number: str) -> bytes:
    return canonical(amc_number, member_number)


def statement_digest(vault: Vault, s: BeneficiaryStatement) -> bytes:
    """Everything a line states except its date: the same facts restated are unchanged."""
    return facts_digest(
        vault,
        facts=(
            s.amc_number,
            s.member_number,
            s.contract_code,
            s.agreement_type,
            s.insured_nir,
            s.beneficiary_nir or "",
            s.birth_date,
            s.birth_rank,
            s.relationship.value,
            s.last_name,
            s.first_name,
        ),
        rights=s.rights,
    )


def facts_digest(
    vault: Vault, *, facts: tuple[str | int, ...], rights: Iterable[RightsPeriod]
) -> bytes:
    # Periods in a canonical order: the same rights listed differently are the same facts.
    ordered = list(rights)
    if len(ordered) > 1:
        ordered.sort(key=lambda p: (p.start, p.end or date.max, p.status.value))
    return vault.blind_index(DIGEST, canonical(*facts, format_rights(ordered)))


def seal_member(
    vault: Vault, s: BeneficiaryStatement, row_id: uuid.UUID, *, member_index: bytes | None = None
) -> dict[str, Any]:
    member_number, insured_nir = vault.seal_fields(
        table=MemberRow.__tablename__,
        row_id=row_id,
        fields=(("member_number", s.member_number), ("insured_nir", s.insured_nir)),
    )
    return {
        "member_index": member_index
        or vault.blind_index(
            MEMBER, member_key(amc_number=s.amc_number, member_number=s.member_number)
        ),
        "member_number": member_number,
        "insured_nir": insured_nir,
        "key_version": vault.active_version,
    }


def seal_beneficiary(
    vault: Vault, s: BeneficiaryStatement, row_id: uuid.UUID, *, card_index: bytes | None = None
) -> dict[str, Any]:
    nir = s.beneficiary_nir
    fields = [
        ("card_nir", s.insured_nir),
        ("birth_date", s.birth_date),
        ("last_name", s.last_name),
        ("first_name", s.first_name),
    ]
    if nir:
        fields.append(("nir", nir))
    sealed = vault.seal_fields(table=BeneficiaryRow.__tablename__, row_id=row_id, fields=fields)
    return {
        "card_index": card_index or vault.blind_index(CARD, statement_card_key(s)),
        "nir_index": vault.blind_index(NIR, nir.encode()) if nir else None,
        "nir": sealed[4] if nir else None,
        "card_nir": sealed[0],
        "birth_date": sealed[1],
        "last_name": sealed[2],
        "first_name": sealed[3],
        "key_version": vault.active_version,
    }


# --- key rotation: the sealed tables of the registry -----------------------------------


class _Members:
    table: Table = table_of(MemberRow)

    def select_for_reseal(self) -> AnySelect:
        return select(
            MemberRow.id,
            MemberRow.key_version,
            MemberRow.member_number,
            MemberRow.insured_nir,
            InsurerRow.amc_number,
        ).join(InsurerRow, InsurerRow.id == MemberRow.insurer_id)

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        return [self._reseal(vault, row) for row in rows]

    @staticmethod
    def _reseal(vault: Vault, row: RowMapping) -> dict[str, Any]:
        table, row_id = MemberRow.__tablename__, row["id"]
        number = vault.open(
            row["member_number"], table=table, column="member_number", row_id=row_id
        )
        nir = vault.open(row["insured_nir"], table=table, column="insured_nir", row_id=row_id)
        return {
            "member_index": vault.blind_index(
                MEMBER, member_key(amc_number=row["amc_number"], member_number=number)
            ),
            "member_number": vault.seal(number, table=table, column="member_number", row_id=row_id),
            "insured_nir": vault.seal(nir, table=table, column="insured_nir", row_id=row_id),
        }


class _Beneficiaries:
    """Re-seals fields, re-keys the card and NIR indexes, and recomputes the statement
    digest (so that re-importing an unchanged file after a rotation stays 'unchanged')."""

    table: Table = table_of(BeneficiaryRow)

    def select_for_reseal(self) -> AnySelect:
        b = BeneficiaryRow
        return (
            select(
                b.id,
                b.key_version,
                b.nir,
                b.birth_date,
                b.birth_rank,
                b.relationship,
                b.last_name,
                b.first_name,
                b.card_nir,
                b.agreement_type,
                MemberRow.id.label("member_id"),
                MemberRow.member_number,
                InsurerRow.amc_number,
                ContractRow.code.label("contract_code"),
            )
            .join(MemberRow, MemberRow.id == b.member_id)
            .join(InsurerRow, InsurerRow.id == MemberRow.insurer_id)
            .join(ContractRow, ContractRow.id == b.contract_id)
        )

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        periods: dict[uuid.UUID, list[RightsPeriod]] = {}
        for period in session.scalars(
            select(RightsPeriodRow).where(
                RightsPeriodRow.beneficiary_id.in_([r["id"] for r in rows])
            )
        ):
            periods.setdefault(period.beneficiary_id, []).append(
                RightsPeriod(period.start, period.end, RightsStatus(period.status))
            )
        return [self._reseal(vault, row, periods.get(row["id"], [])) for row in rows]

    @staticmethod
    def _reseal(vault: Vault, row: RowMapping, rights: list[RightsPeriod]) -> dict[str, Any]:
        table, row_id = BeneficiaryRow.__tablename__, row["id"]
        members, member_id = MemberRow.__tablename__, row["member_id"]

        def plain(column: str) -> str:
            return vault.open(row[column], table=table, column=column, row_id=row_id)

        def sealed(value: str, column: str) -> bytes:
            return vault.seal(value, table=table, column=column, row_id=row_id)

        member_number = vault.open(
            row["member_number"], table=members, column="member_number", row_id=member_id
        )
        insured_nir = plain("card_nir")
        birth_date, last_name, first_name = (
            plain("birth_date"),
            plain("last_name"),
            plain("first_name"),
        )
        nir = plain("nir") if row["nir"] is not None else None
        return {
            "card_index": vault.blind_index(
                CARD,
                card_key(
                    insured_nir=insured_nir,
                    birth_date=birth_date,
                    birth_rank=row["birth_rank"],
                    amc_number=row["amc_number"],
                    member_number=member_number,
                ),
            ),
            "nir_index": vault.blind_index(NIR, nir.encode()) if nir else None,
            "nir": sealed(nir, "nir") if nir else None,
            "card_nir": sealed(insured_nir, "card_nir"),
            "birth_date": sealed(birth_date, "birth_date"),
            "last_name": sealed(last_name, "last_name"),
            "first_name": sealed(first_name, "first_name"),
            "statement_digest": facts_digest(
                vault,
                facts=(
                    row["amc_number"],
                    member_number,
                    row["contract_code"],
                    row["agreement_type"],
                    insured_nir,
                    nir or "",
                    birth_date,
                    row["birth_rank"],
                    row["relationship"],
                    last_name,
                    first_name,
                ),
                rights=rights,
            ),
        }


SEALED_TABLES = (
    ColumnsSealedTable(InsurerRow, ("dpo_email",)),
    ColumnsSealedTable(StructureRow, ("address", "iban")),
    ColumnsSealedTable(ProfessionalRow, ("last_name", "first_name")),
    _Members(),
    _Beneficiaries(),
)
