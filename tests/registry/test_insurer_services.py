"""The insurer portal's use cases: member lookup and reveal (own members only, reasons on
record), the contracts editor (contrat responsable refusals write nothing), and uploads
restricted to the insurer's own lines with their reports."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rempart.audit.checkpoints import InMemoryCheckpointStore
from rempart.audit.domain import FindingKind
from rempart.audit.models import AuditRecordRow
from rempart.audit.sequencer import seal
from rempart.audit.verification import verify
from rempart.bootstrap import Platform
from rempart.identity.permissions import Actor, Role
from rempart.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from rempart.kernel.ids import new_id
from rempart.registry import contracts, insurer_imports, member_lookup
from rempart.registry.domain import (
    BeneficiaryStatement,
    CareCategory,
    Contract,
    GuaranteeLine,
    RightsPeriod,
    RuleKind,
)
from rempart.registry.member_lookup import LookupReason, MemberCard, StatedReason
from rempart.registry.models import ContractRow, ImportRejectionRow, MemberAccessReasonRow
from rempart.registry.service import find_beneficiary, import_rights_file
from rempart.rights.models import AccreditationRow
from rempart.rights.responsible import ResponsibleContractRefused
from rempart.shield.port import FixedBudgetShield

from ..conftest import NOW, TODAY
from ..factories import card_of, write_file
from .support import lines, world

SHIELD = FixedBudgetShield()
REASON = StatedReason(LookupReason.MEMBER_REQUEST, "TICKET-2026-0042")


def _staff(amc: str | None, role: Role = Role.INSURER_STAFF) -> Actor:
    return Actor(account_id=uuid.uuid4(), role=role, amc_number=amc)


def _card(statement: BeneficiaryStatement) -> MemberCard:
    return MemberCard(
        statement.insured_nir,
        statement.birth_date,
        statement.birth_rank,
        statement.amc_number,
        statement.member_number,
    )


def _two_insurers() -> tuple[str, str]:
    amcs = sorted({line.amc_number for line in lines()})
    assert len(amcs) >= 2
    return amcs[0], amcs[1]


@pytest.fixture
def imported(sqlite_registered: Platform, tmp_path: Path) -> Platform:
    import_rights_file(
        uow=sqlite_registered.uow(), path=write_file(tmp_path / "rights.jsonl", lines())
    )
    return sqlite_registered


def _count(platform: Platform, tag: str) -> int:
    with platform.uow() as uow:
        query = select(func.count()).select_from(AuditRecordRow).where(AuditRecordRow.tag == tag)
        return int(uow.session.scalar(query) or 0)


# --- member lookup ---------------------------------------------------------------------


def test_a_lookup_finds_the_insurers_own_member_masked_and_records_the_reason(
    imported: Platform,
) -> None:
    statement = lines()[0]
    found = member_lookup.look_up_member(
        uow=imported.uow(),
        actor=_staff(statement.amc_number),
        shield=SHIELD,
        card=_card(statement),
        reason=REASON,
    )
    assert found is not None
    assert found.initials == f"{statement.first_name[0].upper()}. {statement.last_name[0].upper()}."
    assert found.nir.startswith(f"{statement.insured_nir[0]} {statement.insured_nir[1:3]} ••")
    assert statement.insured_nir not in repr(found)
    assert statement.last_name not in repr(found)
    with imported.uow() as uow:
        record = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.tag == "registry:member:looked_up")
        ).one()
        assert record.outcome == "allowed"
        assert record.target_pseudonym
        reason = uow.session.get_one(MemberAccessReasonRow, record.id)
        assert (reason.reason, reason.case_reference) == ("member_request", "TICKET-2026-0042")


def test_another_insurers_member_is_not_found_exactly_like_an_unknown_card(
    imported: Platform,
) -> None:
    mine, theirs = _two_insurers()
    their_member = next(line for line in lines() if line.amc_number == theirs)
    nobody = replace(lines()[0], member_number="NOBODY0001")
    answers = [
        member_lookup.look_up_member(
            uow=imported.uow(), actor=_staff(mine), shield=SHIELD, card=_card(s), reason=REASON
        )
        for s in (their_member, nobody)
    ]
    assert answers == [None, None]
    with imported.uow() as uow:
        records = uow.session.scalars(select(AuditRecordRow)).all()
        lookups = [r for r in records if r.tag == "registry:member:looked_up"]
        assert [(r.outcome, r.target_pseudonym) for r in lookups] == [("not_found", None)] * 2


def test_a_reveal_shows_the_identity_and_is_audited_with_its_reason(imported: Platform) -> None:
    statement = lines()[0]
    revealed = member_lookup.reveal_member(
        uow=imported.uow(),
        actor=_staff(statement.amc_number),
        shield=SHIELD,
        card=_card(statement),
        reason=StatedReason(LookupReason.CLAIM_REVIEW, "CLAIM/77"),
    )
    assert revealed is not None
    assert (revealed.last_name, revealed.insured_nir) == (
        statement.last_name,
        statement.insured_nir,
    )
    with imported.uow() as uow:
        record = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.tag == "registry:member:revealed")
        ).one()
        assert record.categories & 1  # identity disclosed
        reason = uow.session.get_one(MemberAccessReasonRow, record.id)
        assert (reason.reason, reason.case_reference) == ("claim_review", "CLAIM/77")
        # The reason is signed inside the record (version 2): its code, and the case
        # reference only as a keyed pseudonym.
        signed = json.loads(record.payload)
        assert signed["v"] == 2
        assert (
            record.purpose
            == signed["purpose"]
            == member_lookup.signed_purpose(
                uow.vault, StatedReason(LookupReason.CLAIM_REVIEW, "CLAIM/77")
            )
        )
        assert signed["purpose"].startswith("claim_review|case:p")
        assert b"CLAIM" not in record.payload


def test_a_stated_reason_rewritten_afterwards_no_longer_matches_the_signed_one(
    imported: Platform,
) -> None:
    """Whoever rewrites the reason kept beside a lookup (to cover an abusive one) leaves it
    disagreeing with the purpose the record signs, and editing the record's purpose
    column too is what `rempart audit verify` reports as an altered record."""
    statement = lines()[0]
    member_lookup.look_up_member(
        uow=imported.uow(),
        actor=_staff(statement.amc_number),
        shield=SHIELD,
        card=_card(statement),
        reason=StatedReason(LookupReason.MEMBER_REQUEST, "TICKET-1"),
    )
    with imported.uow() as uow:
        record = uow.session.scalars(
            select(AuditRecordRow).where(AuditRecordRow.tag == "registry:member:looked_up")
        ).one()
        kept = uow.session.get_one(MemberAccessReasonRow, record.id)
        kept.reason, kept.case_reference = "fraud_investigation", "FRAUD-9"
        claimed = StatedReason(LookupReason(kept.reason), kept.case_reference)
        assert member_lookup.signed_purpose(uow.vault, claimed) != record.purpose
        record.purpose = member_lookup.signed_purpose(uow.vault, claimed)
        uow.commit()
    seal(uow=imported.uow())
    report = verify(uow=imported.uow(), store=InMemoryCheckpointStore())
    assert [(f.kind, f.detail) for f in report.findings] == [
        (FindingKind.ALTERED, "indexed columns differ from the hashed payload")
    ]


def test_the_lookup_is_confined_to_the_own_insurer_in_sql_on_each_backend(
    registered: Platform, tmp_path: Path
) -> None:
    import_rights_file(uow=registered.uow(), path=write_file(tmp_path / "rights.jsonl", lines()))
    mine, theirs = _two_insurers()
    their_member = next(line for line in lines() if line.amc_number == theirs)

    def look_up(amc: str) -> object:
        return member_lookup.look_up_member(
            uow=registered.uow(),
            actor=_staff(amc),
            shield=SHIELD,
            card=_card(their_member),
            reason=REASON,
        )

    assert look_up(mine) is None
    assert look_up(theirs) is not None


@pytest.mark.parametrize("reference", ["", "ab", "185077512345608", "a reason with spaces"])
def test_a_lookup_needs_a_stated_reason_without_identifiers(reference: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        StatedReason.parse("member_request", reference)
    assert refused.value.field == "case_reference"
    with pytest.raises(InvalidInput):
        StatedReason.parse("curiosity", "TICKET-1")


def test_only_insurer_staff_look_members_up(imported: Platform) -> None:
    statement = lines()[0]
    for actor in (_staff(statement.amc_number, Role.INSURER_DPO), _staff(None)):
        with pytest.raises(Forbidden):
            member_lookup.look_up_member(
                uow=imported.uow(), actor=actor, shield=SHIELD, card=_card(statement), reason=REASON
            )


# --- contracts -------------------------------------------------------------------------


def _a_contract(platform: Platform, amc: str) -> Contract:
    code = next(c.code for i in world().insurers if i.amc_number == amc for c in i.contracts)
    return contracts.read_contract(uow=platform.uow(), actor=_staff(amc), shield=SHIELD, code=code)


def test_contracts_are_listed_and_read_for_the_own_insurer_only(
    sqlite_registered: Platform,
) -> None:
    mine, theirs = _two_insurers()
    listed = contracts.list_contracts(
        uow=sqlite_registered.uow(), actor=_staff(mine), shield=SHIELD
    )
    expected = sorted(c.code for i in world().insurers if i.amc_number == mine for c in i.contracts)
    assert [c.code for c in listed] == expected
    their_code = next(
        c.code for i in world().insurers if i.amc_number == theirs for c in i.contracts
    )
    if their_code not in expected:
        with pytest.raises(NotFound):
            contracts.read_contract(
                uow=sqlite_registered.uow(), actor=_staff(mine), shield=SHIELD, code=their_code
            )


def test_a_responsible_contract_violation_is_refused_with_nothing_written(
    sqlite_registered: Platform,
) -> None:
    mine, _ = _two_insurers()
    before = _a_contract(sqlite_registered, mine)
    broken = Contract(
        before.code,
        "Changed label",
        True,
        (GuaranteeLine(CareCategory.FRANCHISE, RuleKind.PERCENT_OF_BR, rate_bp=10_000),),
    )
    audited = _count(sqlite_registered, contracts.CONTRACT_CHANGED)
    with pytest.raises(ResponsibleContractRefused) as refused:
        contracts.save_contract(
            uow=sqlite_registered.uow(),
            actor=_staff(mine),
            shield=SHIELD,
            contract=broken,
            creating=False,
        )
    codes = {v.code.value for v in refused.value.violations}
    assert {"RESP-COVERS-FRANCHISE", "RESP-TM-NOT-COVERED"} <= codes
    assert _a_contract(sqlite_registered, mine) == before
    assert _count(sqlite_registered, contracts.CONTRACT_CHANGED) == audited


def test_a_contract_is_created_then_changed_on_record(sqlite_registered: Platform) -> None:
    mine, theirs = _two_insurers()
    new = Contract(
        "PORTAL-1",
        "Surcomplémentaire",
        False,
        (
            GuaranteeLine(
                CareCategory.OPTICAL_FREE_PRICE, RuleKind.FIXED_PER_ACT, amount_cents=15000
            ),
        ),
    )
    save = contracts.save_contract
    save(
        uow=sqlite_registered.uow(), actor=_staff(mine), shield=SHIELD, contract=new, creating=True
    )
    with pytest.raises(Conflict):
        save(
            uow=sqlite_registered.uow(),
            actor=_staff(mine),
            shield=SHIELD,
            contract=new,
            creating=True,
        )
    changed = replace(new, label="Surcomplémentaire optique")
    save(
        uow=sqlite_registered.uow(),
        actor=_staff(mine),
        shield=SHIELD,
        contract=changed,
        creating=False,
    )
    assert _a_contract_named(sqlite_registered, mine, "PORTAL-1") == changed
    assert _count(sqlite_registered, contracts.CONTRACT_CREATED) == 1
    assert _count(sqlite_registered, contracts.CONTRACT_CHANGED) == 1
    with pytest.raises(NotFound):  # another insurer cannot change it
        save(
            uow=sqlite_registered.uow(),
            actor=_staff(theirs),
            shield=SHIELD,
            contract=changed,
            creating=False,
        )
    with sqlite_registered.uow() as uow:
        query = select(func.count()).select_from(ContractRow).where(ContractRow.code == "PORTAL-1")
        assert uow.session.scalar(query) == 1


def _a_contract_named(platform: Platform, amc: str, code: str) -> Contract:
    return contracts.read_contract(uow=platform.uow(), actor=_staff(amc), shield=SHIELD, code=code)


# --- uploads ---------------------------------------------------------------------------


def test_an_upload_imports_the_own_lines_and_rejects_the_others(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    mine, theirs = _two_insurers()
    sample = [line for line in lines() if line.amc_number in (mine, theirs)][:30]
    path = write_file(tmp_path / "upload.csv", sample)
    uploaded = insurer_imports.import_own_rights_file(
        uow=sqlite_registered.uow(),
        actor=_staff(mine),
        shield=SHIELD,
        path=path,
        report_path=tmp_path / "report.csv",
    )
    outcome = uploaded.imported
    assert uploaded.revoked == 0
    own = sum(1 for line in sample if line.amc_number == mine)
    assert (outcome.created, outcome.rejected) == (own, len(sample) - own)
    with sqlite_registered.uow() as uow:
        codes = set(uow.session.scalars(select(ImportRejectionRow.code)))
    assert codes == {"I-OTHER-AMC"}

    listed = insurer_imports.list_own_imports(
        uow=sqlite_registered.uow(), actor=_staff(mine), shield=SHIELD
    )
    assert [(r.run_id, r.created, r.rejected) for r in listed] == [
        (outcome.run_id, own, len(sample) - own)
    ]
    assert not insurer_imports.list_own_imports(
        uow=sqlite_registered.uow(), actor=_staff(theirs), shield=SHIELD
    )
    name, text = insurer_imports.own_import_report(
        uow=sqlite_registered.uow(), actor=_staff(mine), shield=SHIELD, run_id=outcome.run_id
    )
    assert name == "upload.rejected.csv"
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["line", "code", "field", "message"]
    assert {row[1] for row in rows[1:]} == {"I-OTHER-AMC"}
    assert len(rows) - 1 == outcome.rejected
    for line in sample:
        assert line.insured_nir not in text
        assert line.last_name not in text
    with pytest.raises(NotFound):
        insurer_imports.own_import_report(
            uow=sqlite_registered.uow(), actor=_staff(theirs), shield=SHIELD, run_id=outcome.run_id
        )


def test_an_upload_closing_rights_revokes_the_accreditations_they_no_longer_cover(
    imported: Platform, tmp_path: Path
) -> None:
    statement = lines()[0]
    beneficiary_id = member_lookup_id(imported, statement)
    with imported.uow() as uow:
        uow.session.add(
            AccreditationRow(
                id=new_id(),
                beneficiary_id=beneficiary_id,
                structure_finess="750000001",
                date_of_care=TODAY,
                issued_at=NOW,
                expires_on=TODAY + timedelta(days=15),
                status="valid",
                revoked_at=None,
                revoke_reason=None,
            )
        )
        uow.commit()
    closed = replace(
        statement,
        rights=(RightsPeriod(date(2020, 1, 1), date(2020, 12, 31)),),
        as_of=max(statement.as_of, TODAY),
    )
    uploaded = insurer_imports.import_own_rights_file(
        uow=imported.uow(),
        actor=_staff(statement.amc_number),
        shield=SHIELD,
        path=write_file(tmp_path / "closing.csv", [closed]),
        report_path=tmp_path / "report.csv",
    )
    assert (uploaded.imported.updated, uploaded.revoked) == (1, 1)


def member_lookup_id(platform: Platform, statement: BeneficiaryStatement) -> uuid.UUID:
    with platform.uow() as uow:
        found = find_beneficiary(uow=uow, **card_of(statement))  # type: ignore[arg-type]
    assert found is not None
    return found
