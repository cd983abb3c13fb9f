"""Use cases of the registry: register reference data, read counts; the rights-file
import lives in `imports` and is re-exported here."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session

from rempart.db.base import table_of
from rempart.db.bulk import read
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
from rempart.registry.sealing import CARD, card_key
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
    return registered_structures(uow=uow, finess=[finess], lock=lock).get(finess)


def registered_structures(
    *, uow: UnitOfWork, finess: Sequence[str], lock: bool = False
) -> dict[str, RegisteredStructure]:
    """`registered_structure` for many at once, in one statement (a payment run's batch);
    unregistered ones are absent. With `lock`, every row found stays locked until the
    caller's transaction ends (PostgreSQL)."""
    query = select(StructureRow).where(StructureRow.finess.in_(list(finess)))
    query = query.order_by(StructureRow.finess)  # one lock order for every caller
    found: dict[str, RegisteredStructure] = {}
    for row in uow.session.scalars(query.with_for_update() if lock else query):
        iban = uow.vault.open(row.iban, table="structures", column="iban", row_id=row.id)
        found[row.finess] = RegisteredStructure(row.id, row.finess, row.name, iban, row.bic)
    return found


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


# The hot path of every rights check reads plain columns with Core statements built once
# (no ORM objects, no statement built per call); values are bound parameters.
_B, _C, _P, _G = (
    table_of(row) for row in (BeneficiaryRow, ContractRow, RightsPeriodRow, GuaranteeLineRow)
)
_RIGHTS_COLUMNS = (
    _B.c.agreement_type,
    _C.c.id,
    _C.c.code,
    _C.c.label,
    _C.c.responsible,
    _P.c.id,
    _P.c.start,
    _P.c.end,
    _P.c.status,
)
_GUARANTEE_COLUMNS = (
    _G.c.category,
    _G.c.kind,
    _G.c.rate_bp,
    _G.c.amount_cents,
    _G.c.yearly_ceiling_cents,
    _G.c.renewal_months,
)
_WITH_PERIODS = _B.join(_C, _C.c.id == _B.c.contract_id).outerjoin(
    _P, _P.c.beneficiary_id == _B.c.id
)
_BENEFICIARY_RIGHTS = (
    select(*_RIGHTS_COLUMNS)
    .select_from(_WITH_PERIODS)
    .where(_B.c.id == bindparam("beneficiary_id"))
    .order_by(_P.c.start)
)


# A rights check's one read: the beneficiary the card's blind index names, the contract,
# every rights period, and the contract's guarantee lines of the categories asked (rows:
# periods x lines, a handful).
def _card_rights_where(indexes: ColumnElement[bool], categories: ColumnElement[bool]) -> Any:
    return (
        select(_B.c.id, *_RIGHTS_COLUMNS, *_GUARANTEE_COLUMNS)
        .select_from(_WITH_PERIODS.outerjoin(_G, and_(_G.c.contract_id == _C.c.id, categories)))
        .where(indexes)
        .order_by(_P.c.start, _G.c.category)
    )


_CARD_RIGHTS = _card_rights_where(
    _B.c.card_index.in_(bindparam("indexes", expanding=True)),
    _G.c.category.in_(bindparam("categories", expanding=True)),
)
_INDEX_NAMES = tuple(f"index{n}" for n in range(4))
_CATEGORY_NAMES = tuple(f"category{n}" for n in range(len(CareCategory)))


# The same read with one plain parameter per blind index (one per key version in the
# ring) and per category asked, built once per count: an expanding parameter is
# re-rendered into the SQL text on every execution, a tenth of the check's own work.
@functools.lru_cache(maxsize=len(_INDEX_NAMES) * len(_CATEGORY_NAMES))
def _card_rights_for(indexes: int, categories: int) -> Any:
    index_type, category_type = _B.c.card_index.type, _G.c.category.type
    return _card_rights_where(
        _B.c.card_index.in_([bindparam(n, type_=index_type) for n in _INDEX_NAMES[:indexes]]),
        _G.c.category.in_(
            [bindparam(n, type_=category_type) for n in _CATEGORY_NAMES[:categories]]
        ),
    )


_GUARANTEES = select(*_GUARANTEE_COLUMNS).where(_G.c.contract_id == bindparam("contract_id"))
_GUARANTEES_OF = _GUARANTEES.where(_G.c.category.in_(bindparam("categories", expanding=True)))


def _rights_of(rows: Sequence[Sequence[Any]], offset: int) -> BeneficiaryRights:
    """Rows of `_RIGHTS_COLUMNS` starting at `offset`, one per period (or one without)."""
    agreement, contract_id, code, label, responsible = rows[0][offset : offset + 5]
    periods: dict[uuid.UUID, RightsPeriod] = {}
    for row in rows:
        period_id, start, end, status = row[offset + 5 : offset + 9]
        if period_id is not None and period_id not in periods:
            periods[period_id] = RightsPeriod(start, end, RightsStatus(status))
    return BeneficiaryRights(
        agreement, tuple(periods.values()), contract_id, code, label, responsible
    )


def _guarantee_line(values: Sequence[Any]) -> GuaranteeLine:
    """A row of `_GUARANTEE_COLUMNS`."""
    category, kind, rate, amount, ceiling, renewal = values
    return GuaranteeLine(
        category=CareCategory(category),
        kind=RuleKind(kind),
        rate_bp=rate,
        amount_cents=amount,
        yearly_ceiling_cents=ceiling,
        renewal_months=renewal,
    )


def beneficiary_rights(*, session: Session, beneficiary_id: uuid.UUID) -> BeneficiaryRights:
    """One indexed read of plain columns, the beneficiary's contract joined to each of its
    rights periods."""
    rows = read(session.connection(), _BENEFICIARY_RIGHTS, {"beneficiary_id": beneficiary_id})
    if not rows:
        raise NotFound("no such beneficiary")
    return _rights_of(rows, 0)


@dataclass(frozen=True)
class CardRights:
    """The beneficiary an exact card tuple names, their rights, and their contract's
    guarantee lines of the categories asked: read whatever the rights say, for the caller
    to disclose only when they are open."""

    beneficiary_id: uuid.UUID
    rights: BeneficiaryRights
    guarantees: tuple[GuaranteeLine, ...]


def card_rights(
    *,
    uow: UnitOfWork,
    insured_nir: str,
    birth_date: str,
    birth_rank: int,
    amc_number: str,
    member_number: str,
    categories: Iterable[CareCategory],
) -> CardRights | None:
    """`find_beneficiary`, `beneficiary_rights` and `contract_guarantees` in one
    statement, within the caller's unit of work; None for a card that names nobody."""
    key = card_key(
        insured_nir=insured_nir,
        birth_date=birth_date,
        birth_rank=birth_rank,
        amc_number=amc_number,
        member_number=member_number,
    )
    indexes = uow.vault.lookup_indexes(CARD, key)
    asked = list(dict.fromkeys(str(c) for c in categories))
    # On the session's connection, in its transaction, compiled once and run on the
    # driver (db.bulk.read): Core's execution would add its own bookkeeping to every
    # pharmacy's check.
    connection = uow.connection()
    rows: Sequence[Sequence[Any]]
    if 0 < len(indexes) <= len(_INDEX_NAMES) and asked:
        statement = _card_rights_for(len(indexes), len(asked))
        values: dict[str, object] = dict(zip(_INDEX_NAMES, indexes, strict=False))
        values.update(zip(_CATEGORY_NAMES, asked, strict=False))
        rows = read(connection, statement, values)
    else:  # none asked (or an unusually long key ring): the expanding form
        rows = connection.execute(
            _CARD_RIGHTS, {"indexes": list(indexes), "categories": asked}
        ).all()
    if not rows:
        return None
    beneficiary_id = rows[0][0]
    rows = [row for row in rows if row[0] == beneficiary_id]  # one card, one person
    guarantees: dict[str, GuaranteeLine] = {}
    for row in rows:
        category = row[10]
        if category is not None and category not in guarantees:
            guarantees[category] = _guarantee_line(row[10:])
    return CardRights(beneficiary_id, _rights_of(rows, 1), tuple(guarantees.values()))


def contract_guarantees(
    *, session: Session, contract_id: uuid.UUID, categories: Iterable[CareCategory] | None = None
) -> tuple[GuaranteeLine, ...]:
    """The contract's guarantee lines, only those of `categories` when given."""
    rows: Iterable[Sequence[Any]]
    if categories is None:
        rows = read(session.connection(), _GUARANTEES, {"contract_id": contract_id})
    else:
        rows = session.execute(
            _GUARANTEES_OF,
            {"contract_id": contract_id, "categories": [str(c) for c in categories]},
        )
    return tuple(_guarantee_line(row) for row in rows)


def beneficiary_contract(
    *,
    session: Session,
    rights: BeneficiaryRights,
    guarantees: tuple[GuaranteeLine, ...] | None = None,
) -> Contract:
    """The contract of `rights`, with the `guarantees` the caller read already (those of
    the categories it will look up, from `card_rights`), else all of them, read here."""
    return Contract(
        rights.contract_code,
        rights.contract_label,
        rights.contract_responsible,
        guarantees
        if guarantees is not None
        else contract_guarantees(session=session, contract_id=rights.contract_id),
    )
