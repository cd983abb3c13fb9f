"""Use cases of the registry: register reference data, read counts; the rights-file
import lives in `imports` and is re-exported here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import NotFound
from rempart.registry.domain import (
    CareCategory,
    Contract,
    GuaranteeLine,
    Insurer,
    Professional,
    RightsPeriod,
    RightsStatus,
    RuleKind,
    Structure,
)
from rempart.registry.imports import (
    SNAPSHOT_REASON,
    ImportOutcome,
    Progress,
    file_digest,
    import_rights_file,
)
from rempart.registry.models import (
    BeneficiaryRow,
    ContractRow,
    GuaranteeLineRow,
    InsurerRow,
    ProfessionalRow,
    RightsPeriodRow,
    StructureRow,
)
from rempart.registry.repository import RegistryRepository
from rempart.rights.responsible import require_responsible_compliance

__all__ = [
    "SNAPSHOT_REASON",
    "ImportOutcome",
    "Progress",
    "count_rows",
    "file_digest",
    "import_rights_file",
    "insurer_overview",
    "insurer_registered",
    "known_structures",
    "professional_memberships",
    "register_reference_data",
    "registered_structure",
]


def register_reference_data(
    *,
    uow: UnitOfWork,
    insurers: Iterable[Insurer] = (),
    structures: Iterable[Structure] = (),
    professionals: Iterable[Professional] = (),
) -> None:
    """Insurers (with their contracts), structures and professionals, created or
    updated in one transaction. A contract flagged responsible that breaks the contrat
    responsable rules is refused, and nothing is written."""
    insurers = tuple(insurers)
    for insurer in insurers:
        for contract in insurer.contracts:
            if contract.responsible:
                require_responsible_compliance(contract)
    with uow:
        repository = RegistryRepository(uow.session, uow.vault)
        for insurer in insurers:
            repository.save_insurer(insurer, now=uow.clock.now())
        for structure in structures:
            repository.save_structure(structure)
        for professional in professionals:
            repository.save_professional(professional)
        uow.commit()


def insurer_overview(*, uow: UnitOfWork) -> list[tuple[str, str, str, int]]:
    with uow:
        return RegistryRepository(uow.session, uow.vault).insurer_overview()


def count_rows(*, uow: UnitOfWork) -> dict[str, int]:
    with uow:
        return RegistryRepository(uow.session, uow.vault).counts()


def professional_memberships(*, session: Session, rpps: str) -> dict[str, bool] | None:
    """FINESS of the structures the professional belongs to -> whether they administer it;
    None when the RPPS is not in the directory. Runs inside the caller's unit of work."""
    return RegistryRepository.memberships_of(session, rpps)


def insurer_registered(*, session: Session, amc_number: str) -> bool:
    """Inside the caller's unit of work."""
    return RegistryRepository.insurer_registered(session, amc_number)


def known_structures(*, session: Session, finess: Iterable[str]) -> frozenset[str]:
    """Those of `finess` that are registered structures (inside the caller's unit of work)."""
    return RegistryRepository.existing_finess(session, finess)


@dataclass(frozen=True)
class RegisteredStructure:
    """A structure as registered at onboarding, with the bank account it gave then."""

    id: uuid.UUID
    finess: str
    name: str
    iban: str = field(repr=False)
    bic: str


def registered_structure(
    *, uow: UnitOfWork, finess: str, lock: bool = False
) -> RegisteredStructure | None:
    """Inside the caller's unit of work. With `lock`, the structure's row stays locked
    until the caller's transaction ends (PostgreSQL), which serialises the changes of
    its bank account."""
    query = select(StructureRow).where(StructureRow.finess == finess)
    row = uow.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        return None
    iban = uow.vault.open(row.iban, table="structures", column="iban", row_id=row.id)
    return RegisteredStructure(row.id, row.finess, row.name, iban, row.bic)


def find_beneficiary(
    *,
    uow: UnitOfWork,
    insured_nir: str,
    birth_date: str,
    birth_rank: int,
    amc_number: str,
    member_number: str,
) -> uuid.UUID | None:
    """The beneficiary an exact card tuple names, within the caller's unit of work."""
    return RegistryRepository(uow.session, uow.vault).find_beneficiary_id(
        insured_nir=insured_nir,
        birth_date=birth_date,
        birth_rank=birth_rank,
        amc_number=amc_number,
        member_number=member_number,
    )


def beneficiary_exists(*, session: Session, beneficiary_id: uuid.UUID) -> bool:
    return session.get(BeneficiaryRow, beneficiary_id) is not None


def directory_names(
    *, session: Session, finess: Iterable[str], rpps: Iterable[str], amc_numbers: Iterable[str]
) -> tuple[dict[str, tuple[str, str]], dict[str, str], dict[str, str]]:
    """Public directory facts for describing who acted: structure (name, kind) by
    FINESS, profession by RPPS, insurer name by AMC number."""
    structures = {
        row.finess: (row.name, row.kind)
        for row in session.execute(
            select(StructureRow.finess, StructureRow.name, StructureRow.kind).where(
                StructureRow.finess.in_(set(finess))
            )
        )
    }
    professions = {
        row.rpps: row.profession
        for row in session.execute(
            select(ProfessionalRow.rpps, ProfessionalRow.profession).where(
                ProfessionalRow.rpps.in_(set(rpps))
            )
        )
    }
    insurers = {
        row.amc_number: row.name
        for row in session.execute(
            select(InsurerRow.amc_number, InsurerRow.name).where(
                InsurerRow.amc_number.in_(set(amc_numbers))
            )
        )
    }
    return structures, professions, insurers


@dataclass(frozen=True)
class BeneficiaryRights:
    """What a rights check needs to know about one beneficiary: no identity."""

    agreement_type: str
    periods: tuple[RightsPeriod, ...]
    contract_id: uuid.UUID
    contract_code: str
    contract_label: str
    contract_responsible: bool


def beneficiary_rights(*, session: Session, beneficiary_id: uuid.UUID) -> BeneficiaryRights:
    """One indexed read of plain columns, the beneficiary's contract joined to each of its
    rights periods (no ORM objects: this is the hot path of every rights check)."""
    rows = session.execute(
        select(
            BeneficiaryRow.agreement_type,
            ContractRow.id,
            ContractRow.code,
            ContractRow.label,
            ContractRow.responsible,
            RightsPeriodRow.start,
            RightsPeriodRow.end,
            RightsPeriodRow.status,
        )
        .join(ContractRow, ContractRow.id == BeneficiaryRow.contract_id)
        .outerjoin(RightsPeriodRow, RightsPeriodRow.beneficiary_id == BeneficiaryRow.id)
        .where(BeneficiaryRow.id == beneficiary_id)
        .order_by(RightsPeriodRow.start)
    ).all()
    if not rows:
        raise NotFound("no such beneficiary")
    agreement, contract_id, code, label, responsible = rows[0][:5]
    periods = tuple(
        RightsPeriod(start, end, RightsStatus(status))
        for *_, start, end, status in rows
        if start is not None
    )
    return BeneficiaryRights(agreement, periods, contract_id, code, label, responsible)


def contract_guarantees(
    *, session: Session, contract_id: uuid.UUID, categories: Iterable[CareCategory] | None = None
) -> tuple[GuaranteeLine, ...]:
    """The contract's guarantee lines, only those of `categories` when given."""
    query = select(
        GuaranteeLineRow.category,
        GuaranteeLineRow.kind,
        GuaranteeLineRow.rate_bp,
        GuaranteeLineRow.amount_cents,
        GuaranteeLineRow.yearly_ceiling_cents,
        GuaranteeLineRow.renewal_months,
    ).where(GuaranteeLineRow.contract_id == contract_id)
    if categories is not None:
        query = query.where(GuaranteeLineRow.category.in_([str(c) for c in categories]))
    return tuple(
        GuaranteeLine(
            category=CareCategory(category),
            kind=RuleKind(kind),
            rate_bp=rate,
            amount_cents=amount,
            yearly_ceiling_cents=ceiling,
            renewal_months=renewal,
        )
        for category, kind, rate, amount, ceiling, renewal in session.execute(query)
    )


def beneficiary_contract(*, session: Session, rights: BeneficiaryRights) -> Contract:
    return Contract(
        rights.contract_code,
        rights.contract_label,
        rights.contract_responsible,
        contract_guarantees(session=session, contract_id=rights.contract_id),
    )
