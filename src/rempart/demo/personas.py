"""Demo personas: one account per audience, so that a visitor of `make demo` can sign in
as each and walk every journey — DEVELOPMENT ONLY.

`seed_personas` creates them over a seeded synthetic France (idempotent): a pharmacist
and the pharmacy's administrator (real members of a seeded pharmacy), an insurer's staff
member and DPO, a security analyst, a platform administrator, and an insured person
bound to a demo beneficiary imported through the real rights-file import (their card is
`demo_card`, shown on the demo landing page so that the pharmacist can check it).

`open_persona_session` opens a session for a persona without any factor. It refuses
outside development, and the route that calls it is not even mounted there. Each such
session is marked (factor "demo") and on record in the person's security history and in
the audit log."""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from rempart.db.uow import UnitOfWork
from rempart.identity.domain import AccountStatus, SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import AccountRow, AccountStructureRow
from rempart.identity.permissions import Role
from rempart.identity.sealing import LOGIN, login_key, seal_login
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.kernel.errors import NotFound
from rempart.kernel.ids import new_id
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement, Relationship, RightsPeriod
from rempart.registry.models import (
    ContractRow,
    InsurerRow,
    MembershipRow,
    ProfessionalRow,
    StructureRow,
)
from rempart.registry.rights_file import write_csv
from rempart.rights.attestation import format_attestation


class DemoRefused(NotFound):
    """Outside development there are no demo personas (404, like a route that is not
    there)."""

    code = "not-found"


@dataclass(frozen=True)
class Persona:
    key: str  # in the URL of the demo sign-in
    role: Role
    login: str


PERSONAS: tuple[Persona, ...] = (
    Persona("pharmacist", Role.PROFESSIONAL, "demo.pharmacien"),
    Persona("structure-admin", Role.STRUCTURE_ADMIN, "demo.titulaire"),
    Persona("insurer-staff", Role.INSURER_STAFF, "demo.gestionnaire"),
    Persona("insurer-dpo", Role.INSURER_DPO, "demo.dpo"),
    Persona("security-analyst", Role.SECURITY_ANALYST, "demo.analyste"),
    Persona("platform-admin", Role.PLATFORM_ADMIN, "demo.admin"),
    Persona("insured", Role.INSURED, "demo.assure"),
)
BY_KEY = {persona.key: persona for persona in PERSONAS}

# The demo insured person's cards (synthetic: no such person). The AMC number is the
# demo insurer's, decided when the personas are seeded.
DEMO_NIR = "292036912345604"
DEMO_BIRTH_DATE = "19920315"
DEMO_BIRTH_RANK = 1
DEMO_MEMBER_NUMBER = "DEMO000001"
DEMO_AGREEMENT = "TP"


@dataclass(frozen=True)
class DemoCard:
    insured_nir: str
    birth_date: str
    birth_rank: int
    amc_number: str
    member_number: str
    agreement_type: str

    @property
    def attestation(self) -> str:
        """The same card as the attestation code a scanner reads (docs/formats)."""
        return format_attestation(
            insured_nir=self.insured_nir,
            birth_date=self.birth_date,
            birth_rank=self.birth_rank,
            amc_number=self.amc_number,
            member_number=self.member_number,
            agreement_type=self.agreement_type,
        )


@dataclass(frozen=True)
class Seeded:
    created: tuple[str, ...]  # persona keys created now (the others existed)
    pharmacy: str
    amc_number: str


def _account_id(uow: UnitOfWork, login: str) -> uuid.UUID | None:
    indexes = uow.vault.blind_indexes(LOGIN, login_key(login))
    return uow.session.scalar(select(AccountRow.id).where(AccountRow.login_index.in_(indexes)))


def _pharmacy(uow: UnitOfWork) -> tuple[str, list[tuple[str, bool]]]:
    """A seeded pharmacy with members: its FINESS and (RPPS, administrator) of each."""
    rows = uow.session.execute(
        select(StructureRow.finess, ProfessionalRow.rpps, MembershipRow.administrator)
        .join(MembershipRow, MembershipRow.structure_id == StructureRow.id)
        .join(ProfessionalRow, ProfessionalRow.id == MembershipRow.professional_id)
        .where(StructureRow.kind == "pharmacy")
        .order_by(StructureRow.finess, MembershipRow.administrator.desc(), ProfessionalRow.rpps)
        .limit(200)
    ).all()
    if not rows:
        raise NotFound("no pharmacy is registered: run `rempart demo seed` first")
    finess = rows[0].finess
    return finess, [(row.rpps, row.administrator) for row in rows if row.finess == finess]


def _insurer(uow: UnitOfWork) -> tuple[str, str]:
    """The demo insurer (the first by AMC number) and one of its contracts."""
    row = uow.session.execute(
        select(InsurerRow.amc_number, ContractRow.code)
        .join(ContractRow, ContractRow.insurer_id == InsurerRow.id)
        .order_by(InsurerRow.amc_number, ContractRow.responsible.desc(), ContractRow.code)
        .limit(1)
    ).first()
    if row is None:
        raise NotFound("no insurer is registered: run `rempart demo seed` first")
    return row.amc_number, row.code


def demo_card(amc_number: str) -> DemoCard:
    return DemoCard(
        DEMO_NIR,
        DEMO_BIRTH_DATE,
        DEMO_BIRTH_RANK,
        amc_number,
        DEMO_MEMBER_NUMBER,
        DEMO_AGREEMENT,
    )


def _import_demo_beneficiary(
    uow: UnitOfWork, amc_number: str, contract_code: str, today: date
) -> uuid.UUID:
    """The demo insured person's rights, through the insurer's import like anyone's."""
    card = demo_card(amc_number)
    statement = BeneficiaryStatement(
        amc_number=amc_number,
        member_number=card.member_number,
        contract_code=contract_code,
        agreement_type=card.agreement_type,
        insured_nir=card.insured_nir,
        beneficiary_nir=card.insured_nir,
        birth_date=card.birth_date,
        birth_rank=card.birth_rank,
        relationship=Relationship.INSURED,
        last_name="DEMO",
        first_name="CAMILLE",
        rights=(RightsPeriod(date(today.year - 1, 1, 1), None),),
        as_of=today,
    )
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "demo-rights.csv"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            write_csv([statement], handle)
        registry.import_rights_file(uow=uow, path=path, as_of=today)
    with uow:
        found = registry.find_beneficiary(
            uow=uow,
            insured_nir=card.insured_nir,
            birth_date=card.birth_date,
            birth_rank=card.birth_rank,
            amc_number=amc_number,
            member_number=card.member_number,
        )
    if found is None:  # pragma: no cover - the import just wrote it
        raise NotFound("the demo beneficiary could not be imported")
    return found


def seed_personas(*, uow: UnitOfWork) -> Seeded:
    """Creates the personas that do not exist yet (by login name)."""
    with uow:
        finess, members = _pharmacy(uow)
        amc_number, contract_code = _insurer(uow)
        missing = [p for p in PERSONAS if _account_id(uow, p.login) is None]
    beneficiary_id = None
    if any(p.role is Role.INSURED for p in missing):
        beneficiary_id = _import_demo_beneficiary(uow, amc_number, contract_code, uow.clock.today())
    admins = [rpps for rpps, administrator in members if administrator]
    others = [rpps for rpps, administrator in members if not administrator]
    rpps_of: dict[Role, str | None] = {
        Role.STRUCTURE_ADMIN: next(iter(admins or others), None),
        Role.PROFESSIONAL: next(iter(others or admins[1:]), None),
    }
    with uow:
        taken = set(
            uow.session.scalars(select(AccountRow.rpps).where(AccountRow.rpps.is_not(None)))
        )
        for persona in missing:
            account_id = new_id()
            rpps = rpps_of.get(persona.role)
            uow.session.add(
                AccountRow(
                    id=account_id,
                    role=persona.role,
                    status=AccountStatus.ACTIVE,
                    is_new=False,
                    rpps=rpps if rpps not in taken else None,
                    amc_number=(
                        amc_number
                        if persona.role in (Role.INSURER_STAFF, Role.INSURER_DPO)
                        else None
                    ),
                    beneficiary_id=beneficiary_id if persona.role is Role.INSURED else None,
                    requested_by=None,
                    approved_by=None,
                    created_at=uow.clock.now(),
                    approved_at=uow.clock.now(),
                    **seal_login(uow.vault, persona.login, account_id),
                )
            )
            uow.session.flush()
            if persona.role in (Role.PROFESSIONAL, Role.STRUCTURE_ADMIN):
                uow.session.add(AccountStructureRow(account_id=account_id, finess=finess))
        uow.commit()
    return Seeded(tuple(p.key for p in missing), finess, amc_number)


def seeded_card(*, uow: UnitOfWork) -> DemoCard | None:
    """The demo insured person's card, once the personas are seeded (else None)."""
    with uow:
        account_id = _account_id(uow, BY_KEY["insurer-staff"].login)
        if account_id is None:
            return None
        amc_number = uow.session.scalar(
            select(AccountRow.amc_number).where(AccountRow.id == account_id)
        )
    return demo_card(amc_number) if amc_number else None


def open_persona_session(
    *, uow: UnitOfWork, key: str, development: bool, policy: SessionPolicy
) -> str:
    """A session token for the persona's account: development only."""
    persona = BY_KEY.get(key)
    if not development or persona is None:
        raise DemoRefused("no such demo persona")
    with uow:
        account_id = _account_id(uow, persona.login)
    if account_id is None:
        raise DemoRefused("this demo persona is not seeded: run `rempart demo personas`")
    token = open_session(uow=uow, account_id=account_id, factor=Factor.DEMO, policy=policy)
    with uow:
        record_event(uow, account_id, account_id, SecurityTag.DEMO_SESSION_OPENED)
        uow.commit()
    return token
