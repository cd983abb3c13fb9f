"""Persistence of the registry's reference data (insurers, contracts, structures,
professionals) and reads of beneficiaries, mapping rows to domain objects."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from rempart.db.base import Base, table_of
from rempart.kernel.ids import new_id
from rempart.registry.domain import (
    Contract,
    Insurer,
    Professional,
    Relationship,
    RightsPeriod,
    RightsStatus,
    Structure,
)
from rempart.registry.models import (
    BeneficiaryRow,
    ContractRow,
    GuaranteeLineRow,
    InsurerRow,
    MemberRow,
    MembershipRow,
    ProfessionalRow,
    RightsPeriodRow,
    StructureRow,
)
from rempart.registry.sealing import CARD, card_key
from rempart.vault.cipher import Vault


@dataclass(frozen=True)
class BeneficiaryView:
    """A beneficiary as the registry holds it, decrypted: for the insurer's own staff and
    for tests. Professionals never receive this object."""

    id: uuid.UUID
    amc_number: str
    member_number: str = field(repr=False)
    contract_code: str
    insured_nir: str = field(repr=False)
    beneficiary_nir: str | None = field(repr=False)
    birth_date: str = field(repr=False)
    birth_rank: int
    relationship: Relationship
    last_name: str = field(repr=False)
    first_name: str = field(repr=False)
    rights: tuple[RightsPeriod, ...]
    rights_as_of: date
    closed_reason: str | None


_BENEFICIARIES = table_of(BeneficiaryRow)
# Built once (every rights check and every lookup runs it); the indexes are bound.
_BENEFICIARY_BY_CARD = select(_BENEFICIARIES.c.id).where(
    _BENEFICIARIES.c.card_index.in_(bindparam("indexes", expanding=True))
)


class RegistryRepository:
    def __init__(self, session: Session, vault: Vault) -> None:
        self.session = session
        self.vault = vault

    # -- insurers and contracts ---------------------------------------------------------

    def save_insurer(self, insurer: Insurer, *, now: datetime) -> uuid.UUID:
        """Create or update an insurer and its catalogue of contracts (upsert by codes)."""
        row = self.session.scalar(
            select(InsurerRow).where(InsurerRow.amc_number == insurer.amc_number)
        )
        if row is None:
            row = InsurerRow(id=new_id(), amc_number=insurer.amc_number, created_at=now)
            self.session.add(row)
        row.name = insurer.name
        row.status = insurer.status.value
        row.key_version = self.vault.active_version
        row.dpo_email = self.vault.seal(
            insurer.dpo_email, table="insurers", column="dpo_email", row_id=row.id
        )
        self.session.flush()
        for contract in insurer.contracts:
            self.save_contract(row.id, contract)
        return row.id

    def save_contract(self, insurer_id: uuid.UUID, contract: Contract) -> None:
        """Create or update one contract of the insurer, its guarantee lines replaced."""
        row = self.session.scalar(
            select(ContractRow).where(
                ContractRow.insurer_id == insurer_id, ContractRow.code == contract.code
            )
        )
        if row is None:
            row = ContractRow(id=new_id(), insurer_id=insurer_id, code=contract.code)
            self.session.add(row)
        row.label = contract.label
        row.responsible = contract.responsible
        self.session.flush()
        self.session.execute(delete(GuaranteeLineRow).where(GuaranteeLineRow.contract_id == row.id))
        for line in contract.guarantees:
            self.session.add(
                GuaranteeLineRow(
                    id=new_id(),
                    contract_id=row.id,
                    category=line.category.value,
                    kind=line.kind.value,
                    rate_bp=line.rate_bp,
                    amount_cents=line.amount_cents,
                    yearly_ceiling_cents=line.yearly_ceiling_cents,
                    renewal_months=line.renewal_months,
                )
            )

    def insurer_overview(self) -> list[tuple[str, str, str, int]]:
        """(AMC number, name, status, number of contracts), by AMC number."""
        rows = self.session.execute(
            select(
                InsurerRow.amc_number,
                InsurerRow.name,
                InsurerRow.status,
                func.count(ContractRow.id),
            )
            .outerjoin(ContractRow, ContractRow.insurer_id == InsurerRow.id)
            .group_by(InsurerRow.id, InsurerRow.amc_number, InsurerRow.name, InsurerRow.status)
            .order_by(InsurerRow.amc_number)
        )
        return [(amc, name, status, count) for amc, name, status, count in rows]

    # -- structures and professionals ---------------------------------------------------

    def save_structure(self, structure: Structure) -> uuid.UUID:
        row = self.session.scalar(
            select(StructureRow).where(StructureRow.finess == structure.finess)
        )
        # The bank account a structure registers with is its first one only: afterwards
        # it changes through the payout flow (step-up, notice, cooling-off), never by a
        # reload of the directory.
        if row is None:
            row = StructureRow(id=new_id(), finess=structure.finess)
            self.session.add(row)
            iban, row.bic = structure.iban, structure.bic
        else:
            iban = self.vault.open(row.iban, table="structures", column="iban", row_id=row.id)
        row.siret = structure.siret
        row.kind = structure.kind.value
        row.name = structure.name
        row.key_version = self.vault.active_version
        row.address = self.vault.seal(
            structure.address, table="structures", column="address", row_id=row.id
        )
        row.iban = self.vault.seal(iban, table="structures", column="iban", row_id=row.id)
        self.session.flush()
        return row.id

    def save_professional(self, professional: Professional) -> uuid.UUID:
        row = self.session.scalar(
            select(ProfessionalRow).where(ProfessionalRow.rpps == professional.rpps)
        )
        if row is None:
            row = ProfessionalRow(id=new_id(), rpps=professional.rpps)
            self.session.add(row)
        row.profession = professional.profession.value
        row.key_version = self.vault.active_version
        for column in ("last_name", "first_name"):
            setattr(
                row,
                column,
                self.vault.seal(
                    getattr(professional, column),
                    table="professionals",
                    column=column,
                    row_id=row.id,
                ),
            )
        self.session.flush()
        structures = {  # noqa: C416 - dict() would take a Result for a mapping
            finess: structure_id
            for finess, structure_id in self.session.execute(
                select(StructureRow.finess, StructureRow.id).where(
                    StructureRow.finess.in_(professional.structures)
                )
            )
        }
        self.session.execute(delete(MembershipRow).where(MembershipRow.professional_id == row.id))
        for finess in professional.structures:
            self.session.add(
                MembershipRow(
                    professional_id=row.id,
                    structure_id=structures[finess],
                    administrator=finess in professional.administrator_of,
                )
            )
        return row.id

    def structure_iban(self, finess: str) -> str | None:
        row = self.session.scalar(select(StructureRow).where(StructureRow.finess == finess))
        if row is None:
            return None
        return self.vault.open(row.iban, table="structures", column="iban", row_id=row.id)

    # -- beneficiaries ------------------------------------------------------------------

    def find_beneficiary_id(
        self,
        *,
        insured_nir: str,
        birth_date: str,
        birth_rank: int,
        amc_number: str,
        member_number: str,
    ) -> uuid.UUID | None:
        """The exact card tuple, through the blind index. There is no other way in."""
        indexes = self.vault.lookup_indexes(
            CARD,
            card_key(
                insured_nir=insured_nir,
                birth_date=birth_date,
                birth_rank=birth_rank,
                amc_number=amc_number,
                member_number=member_number,
            ),
        )
        return self.session.scalar(_BENEFICIARY_BY_CARD, {"indexes": list(indexes)})

    def load_beneficiary(self, beneficiary_id: uuid.UUID) -> BeneficiaryView:
        b, m = BeneficiaryRow, MemberRow
        row = self.session.execute(
            select(b, m, InsurerRow.amc_number, ContractRow.code)
            .join(m, m.id == b.member_id)
            .join(InsurerRow, InsurerRow.id == m.insurer_id)
            .join(ContractRow, ContractRow.id == b.contract_id)
            .where(b.id == beneficiary_id)
        ).one()
        beneficiary, member, amc_number, contract_code = row
        periods = self.session.scalars(
            select(RightsPeriodRow)
            .where(RightsPeriodRow.beneficiary_id == beneficiary_id)
            .order_by(RightsPeriodRow.start)
        )

        def open_b(column: str) -> str:
            return self.vault.open(
                getattr(beneficiary, column),
                table="beneficiaries",
                column=column,
                row_id=beneficiary.id,
            )

        def open_m(column: str) -> str:
            return self.vault.open(
                getattr(member, column), table="members", column=column, row_id=member.id
            )

        return BeneficiaryView(
            id=beneficiary.id,
            amc_number=amc_number,
            member_number=open_m("member_number"),
            contract_code=contract_code,
            insured_nir=open_b("card_nir"),
            beneficiary_nir=open_b("nir") if beneficiary.nir is not None else None,
            birth_date=open_b("birth_date"),
            birth_rank=beneficiary.birth_rank,
            relationship=Relationship(beneficiary.relationship),
            last_name=open_b("last_name"),
            first_name=open_b("first_name"),
            rights=tuple(RightsPeriod(p.start, p.end, RightsStatus(p.status)) for p in periods),
            rights_as_of=beneficiary.rights_as_of,
            closed_reason=beneficiary.closed_reason,
        )

    # -- directory checks (no personal data) ---------------------------------------------

    @staticmethod
    def memberships_of(session: Session, rpps: str) -> dict[str, bool] | None:
        """FINESS -> administrator of it, for a professional; None if not in the directory."""
        professional = session.scalar(
            select(ProfessionalRow.id).where(ProfessionalRow.rpps == rpps)
        )
        if professional is None:
            return None
        rows = session.execute(
            select(StructureRow.finess, MembershipRow.administrator)
            .join(MembershipRow, MembershipRow.structure_id == StructureRow.id)
            .where(MembershipRow.professional_id == professional)
        )
        return {finess: admin for finess, admin in rows}  # noqa: C416 - a Result is no mapping

    @staticmethod
    def insurer_registered(session: Session, amc_number: str) -> bool:
        return (
            session.scalar(select(InsurerRow.id).where(InsurerRow.amc_number == amc_number))
            is not None
        )

    @staticmethod
    def existing_finess(session: Session, finess: Iterable[str]) -> frozenset[str]:
        wanted = list(finess)
        return frozenset(
            session.scalars(select(StructureRow.finess).where(StructureRow.finess.in_(wanted)))
        )

    # -- counts -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        result = {}
        # Bookkeeping (import runs, key versions) and the audit log (which grows with every
        # action, by design) are left out: re-importing a file must leave these figures
        # unchanged.
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            if table.name.startswith(("alembic", "import_", "vault_", "audit_")):
                continue
            result[table.name] = self.session.scalar(select(func.count()).select_from(table)) or 0
        return result
