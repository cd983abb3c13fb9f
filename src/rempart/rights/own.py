"""An insured person's own rights and guarantees: the record their account is bound to,
and no other. Read through the shield like any read of personal data, and on record
(their own reads never show in their "who looked at my rights")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from rempart.audit.domain import AuditTag, Category
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, ObjectKind, Permission, Target, authorize
from rempart.registry.domain import CareCategory, GuaranteeLine, RightsPeriod
from rempart.registry.models import BeneficiaryRow, InsurerRow, MemberRow
from rempart.registry.service import beneficiary_rights, contract_guarantees
from rempart.rights.eligibility import Eligibility, eligibility
from rempart.shield.port import Shield, admit

_ORDER = list(CareCategory)


@dataclass(frozen=True)
class OwnRights:
    insurer_name: str
    amc_number: str
    contract_label: str
    responsible: bool
    today: Eligibility
    periods: tuple[RightsPeriod, ...]
    guarantees: tuple[GuaranteeLine, ...]


def own_beneficiary(actor: Actor, permission: Permission) -> uuid.UUID:
    """The actor's own record, once the permission reaches it."""
    authorize(actor, permission, Target(ObjectKind.BENEFICIARY, actor.beneficiary_id or ""))
    assert actor.beneficiary_id is not None  # authorize refuses an actor without one
    return uuid.UUID(actor.beneficiary_id)


def read_own_rights(*, uow: UnitOfWork, actor: Actor, shield: Shield) -> OwnRights:
    beneficiary_id = own_beneficiary(actor, Permission.OWN_RIGHTS_READ)
    admit(shield, uow, actor, "rights.own")
    with uow:
        rights = beneficiary_rights(session=uow.session, beneficiary_id=beneficiary_id)
        insurer = uow.session.execute(
            select(InsurerRow.name, InsurerRow.amc_number)
            .join(MemberRow, MemberRow.insurer_id == InsurerRow.id)
            .join(BeneficiaryRow, BeneficiaryRow.member_id == MemberRow.id)
            .where(BeneficiaryRow.id == beneficiary_id)
        ).one()
        guarantees = contract_guarantees(session=uow.session, contract_id=rights.contract_id)
        record_action(
            uow,
            tag=AuditTag.RIGHTS_OWN_READ,
            actor=actor,
            target_pseudonym=pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id)),
            target_amc=insurer.amc_number,
            categories={Category.RIGHTS, Category.GUARANTEES},
        )
        uow.commit()
    return OwnRights(
        insurer_name=insurer.name,
        amc_number=insurer.amc_number,
        contract_label=rights.contract_label,
        responsible=rights.contract_responsible,
        today=eligibility(rights.periods, day=uow.clock.today()),
        periods=rights.periods,
        guarantees=tuple(sorted(guarantees, key=lambda g: _ORDER.index(g.category))),
    )
