"""The insurer's own catalogue of contracts and guarantees, from the insurer portal:
list, read one, create or change one.

A contract flagged responsible is checked by the rights domain's pure rules
(`require_responsible_compliance`) before anything is written; a refusal lists every
violation at once and leaves the catalogue as it was. A change is written in one unit of
work with its audit record: both, or neither. Contracts hold no personal data, but who
changed which guarantee is on record all the same."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from rempart.audit.domain import Category
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import Conflict, NotFound
from rempart.registry.domain import Contract
from rempart.registry.models import ContractRow, GuaranteeLineRow, InsurerRow
from rempart.registry.own_insurer import admit_for_own_insurer
from rempart.registry.repository import RegistryRepository
from rempart.registry.service import contract_guarantees
from rempart.rights.responsible import require_responsible_compliance
from rempart.shield.port import Shield

CONTRACTS_READ = "registry:contracts:read"
CONTRACT_READ = "registry:contract:read"
CONTRACT_CREATED = "registry:contract:created"
CONTRACT_CHANGED = "registry:contract:changed"


@dataclass(frozen=True)
class ContractSummary:
    code: str
    label: str
    responsible: bool
    guarantee_lines: int


def _own_amc(actor: Actor, shield: Shield, uow: UnitOfWork, action: str) -> str:
    return admit_for_own_insurer(
        uow=uow, actor=actor, shield=shield, permission=Permission.CONTRACT_MANAGE, action=action
    )


def list_contracts(*, uow: UnitOfWork, actor: Actor, shield: Shield) -> list[ContractSummary]:
    """The contracts of the actor's insurer, by code."""
    amc = _own_amc(actor, shield, uow, "registry.contracts")
    with uow:
        rows = uow.session.execute(
            select(
                ContractRow.code,
                ContractRow.label,
                ContractRow.responsible,
                func.count(GuaranteeLineRow.id),
            )
            .join(InsurerRow, InsurerRow.id == ContractRow.insurer_id)
            .outerjoin(GuaranteeLineRow, GuaranteeLineRow.contract_id == ContractRow.id)
            .where(InsurerRow.amc_number == amc)
            .group_by(ContractRow.id, ContractRow.code, ContractRow.label, ContractRow.responsible)
            .order_by(ContractRow.code)
        ).all()
        record_action(uow, tag=CONTRACTS_READ, actor=actor, target_amc=amc)
        uow.commit()
    return [
        ContractSummary(code, label, responsible, lines) for code, label, responsible, lines in rows
    ]


def read_contract(*, uow: UnitOfWork, actor: Actor, shield: Shield, code: str) -> Contract:
    """One contract of the actor's insurer; another insurer's is not found, like an
    unknown code."""
    amc = _own_amc(actor, shield, uow, "registry.contracts")
    with uow:
        row = _own_contract(uow, amc, code)
        if row is None:
            raise NotFound("no contract of this insurer has this code")
        contract = Contract(
            row.code,
            row.label,
            row.responsible,
            contract_guarantees(session=uow.session, contract_id=row.id),
        )
        record_action(
            uow, tag=CONTRACT_READ, actor=actor, target_amc=amc, categories={Category.GUARANTEES}
        )
        uow.commit()
    return contract


def save_contract(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, contract: Contract, creating: bool
) -> None:
    """Create (`creating`: the code must be new) or change a contract of the actor's
    insurer, with all its guarantee lines replaced by those given."""
    amc = _own_amc(actor, shield, uow, "registry.contract_change")
    if contract.responsible:
        require_responsible_compliance(contract)  # refused whole, before any write
    with uow:
        insurer_id = uow.session.scalar(select(InsurerRow.id).where(InsurerRow.amc_number == amc))
        if insurer_id is None:
            raise NotFound("the insurer this account is bound to is not registered")
        existing = _own_contract(uow, amc, contract.code)
        if creating and existing is not None:
            raise Conflict("a contract of this insurer already has this code", field="code")
        if not creating and existing is None:
            raise NotFound("no contract of this insurer has this code")
        RegistryRepository(uow.session, uow.vault).save_contract(insurer_id, contract)
        record_action(
            uow,
            tag=CONTRACT_CREATED if creating else CONTRACT_CHANGED,
            actor=actor,
            target_amc=amc,
            categories={Category.GUARANTEES},
        )
        uow.commit()


def _own_contract(uow: UnitOfWork, amc: str, code: str) -> ContractRow | None:
    return uow.session.scalar(
        select(ContractRow)
        .join(InsurerRow, InsurerRow.id == ContractRow.insurer_id)
        .where(InsurerRow.amc_number == amc, ContractRow.code == code)
    )
