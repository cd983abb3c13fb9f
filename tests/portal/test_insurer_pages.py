"""The insurer staff's pages over HTTP, as HTMX sends them: member lookup masked then
revealed (reason on record, another insurer's member answered like nobody), the
contracts editor (a contrat responsable violation refused line by line, nothing
written), and rights-file uploads (own lines only, counts, the report downloaded, bad
files refused clearly)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select

from rempart.audit.models import AuditRecordRow
from rempart.registry.models import (
    ContractRow,
    GuaranteeLineRow,
    InsurerRow,
    MemberAccessReasonRow,
)
from rempart.registry.service import import_rights_file

from ..factories import france, statements, write_file
from .support import HTMX, DemoWorld

REASON = {"reason": "member_request", "case_reference": "TICKET-42"}


def _audited(world: DemoWorld, tag: str) -> list[tuple[uuid.UUID, str]]:
    """(record id, outcome) of the audit records of `tag`, oldest first."""
    with world.web.platform.uow() as uow:
        query = (
            select(AuditRecordRow.id, AuditRecordRow.outcome)
            .where(AuditRecordRow.tag == tag)
            .order_by(AuditRecordRow.at, AuditRecordRow.id)
        )
        return [(row.id, row.outcome) for row in uow.session.execute(query)]


def _lookup_form(world: DemoWorld, **changes: str) -> dict[str, str]:
    card = world.card
    return {
        "insured_nir": card.insured_nir,
        "birth_date": card.birth_date,
        "birth_rank": str(card.birth_rank),
        "amc_number": card.amc_number,
        "member_number": card.member_number,
        **REASON,
        **changes,
    }


def _staff(world: DemoWorld) -> TestClient:
    return world.persona("insurer-staff")


def test_a_lookup_is_masked_and_a_reveal_shows_the_identity_on_record(world: DemoWorld) -> None:
    staff = _staff(world)
    page = staff.get("/insurer/members")
    assert page.status_code == 200
    assert 'for="f-case_reference"' in page.text
    masked = staff.post("/insurer/members/lookup", data=_lookup_form(world), headers=HTMX)
    assert masked.status_code == 200, masked.text
    assert 'data-member="masked"' in masked.text
    assert "••" in masked.text
    looked_up = _audited(world, "registry:member:looked_up")
    assert [outcome for _, outcome in looked_up] == ["allowed"]

    revealed = staff.post("/insurer/members/reveal", data=_lookup_form(world), headers=HTMX)
    assert revealed.status_code == 200
    assert 'data-member="revealed"' in revealed.text
    assert world.card.insured_nir in revealed.text
    assert "TICKET-42" in revealed.text
    reveals = _audited(world, "registry:member:revealed")
    assert len(reveals) == 1
    with world.web.platform.uow() as uow:
        reason = uow.session.get_one(MemberAccessReasonRow, reveals[0][0])
        assert (reason.reason, reason.case_reference) == ("member_request", "TICKET-42")
    # The person looked up sees it in "who looked at my rights": their insurer, twice.
    with world.web.platform.uow() as uow:
        query = select(InsurerRow.name).where(InsurerRow.amc_number == world.card.amc_number)
        insurer_name = str(escape(uow.session.scalars(query).one()))  # as Jinja writes it
    history = world.persona("insured").get("/insured/access-history")
    assert history.text.count(insurer_name) == 2


def test_the_masked_answer_names_nobody(world: DemoWorld) -> None:
    staff = _staff(world)
    masked = staff.post("/insurer/members/lookup", data=_lookup_form(world), headers=HTMX)
    revealed = staff.post("/insurer/members/reveal", data=_lookup_form(world), headers=HTMX)
    name = revealed.text.split("data-identity>")[1].split("<")[0].strip()
    assert name
    shown = masked.text.split("<form")[0]  # the reveal form carries the card as typed
    for part in name.split():
        assert part not in shown


def test_another_insurers_member_gets_the_answer_of_an_unknown_card(
    world: DemoWorld, tmp_path: Path
) -> None:
    lines = statements(france(60), beneficiaries=40)
    import_rights_file(
        uow=world.web.platform.uow(), path=write_file(tmp_path / "others.jsonl", lines)
    )
    theirs = next(line for line in lines if line.amc_number != world.card.amc_number)
    staff = _staff(world)
    answers = [
        staff.post(
            "/insurer/members/lookup",
            data={
                "insured_nir": s.insured_nir,
                "birth_date": s.birth_date,
                "birth_rank": str(s.birth_rank),
                "amc_number": s.amc_number,
                "member_number": s.member_number,
                **REASON,
            },
            headers=HTMX,
        )
        for s in (theirs, theirs.__class__(**{**_fields(theirs), "member_number": "NOBODY1"}))
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].text == answers[1].text
    assert 'data-member="none"' in answers[0].text
    looked_up = _audited(world, "registry:member:looked_up")
    assert [outcome for _, outcome in looked_up] == ["not_found"] * 2


def _fields(statement: object) -> dict[str, object]:
    return {name: getattr(statement, name) for name in statement.__slots__}  # type: ignore[attr-defined]


def test_a_lookup_without_a_reason_is_refused_naming_the_field(world: DemoWorld) -> None:
    staff = _staff(world)
    refused = staff.post(
        "/insurer/members/lookup", data=_lookup_form(world, reason=""), headers=HTMX
    )
    assert refused.status_code == 422
    assert 'href="#f-reason"' in refused.text
    assert _audited(world, "registry:member:looked_up") == []


def _contract_form(code: str, *, franchise: bool) -> dict[str, str]:
    form = {"mode": "create", "code": code, "label": "Contrat portail", "responsible": "yes"}
    for category in ("pharmacy_100", "pharmacy_65", "general_practitioner", "specialist"):
        form[f"g-{category}-kind"] = "percent_of_br"
        form[f"g-{category}-rate"] = "100"
    for category in ("laboratory", "radiology", "hospital_stay"):
        form[f"g-{category}-kind"] = "percent_of_tm"
        form[f"g-{category}-rate"] = "100"
    form["g-hospital_daily_charge-kind"] = "percent_of_tm"
    form["g-hospital_daily_charge-rate"] = "100"
    for basket in ("optical_100_sante", "dental_100_sante", "hearing_100_sante"):
        form[f"g-{basket}-kind"] = "percent_of_tm"
        form[f"g-{basket}-rate"] = "100"
    if franchise:
        form["g-franchise-kind"] = "fixed_per_act"
        form["g-franchise-amount"] = "1,00"
    return form


def _contract_rows(world: DemoWorld) -> tuple[int, int]:
    with world.web.platform.uow() as uow:
        contracts = uow.session.scalar(select(func.count()).select_from(ContractRow)) or 0
        lines = uow.session.scalar(select(func.count()).select_from(GuaranteeLineRow)) or 0
        return contracts, lines


def test_contracts_are_listed_created_and_a_responsible_violation_writes_nothing(
    world: DemoWorld,
) -> None:
    staff = _staff(world)
    listed = staff.get("/insurer/contracts")
    assert listed.status_code == 200
    code = listed.text.split('data-contract="')[1].split('"')[0]
    edit = staff.get(f"/insurer/contracts/{code}")
    assert edit.status_code == 200
    assert 'name="mode" value="edit"' in edit.text
    assert staff.get("/insurer/contracts/NO-SUCH").status_code == 404
    assert staff.get("/insurer/contracts/new").status_code == 200

    before = _contract_rows(world)
    records = len(_audited(world, "registry:contract:created"))
    refused = staff.post(
        "/insurer/contracts", data=_contract_form("PORTAL-X", franchise=True), headers=HTMX
    )
    assert refused.status_code == 422
    assert 'data-problem="responsible-contract-violated"' in refused.text
    assert 'data-violation="RESP-COVERS-FRANCHISE"' in refused.text
    assert 'href="#f-g-franchise-kind"' in refused.text
    assert "franchises médicales" in refused.text
    assert _contract_rows(world) == before
    assert len(_audited(world, "registry:contract:created")) == records

    saved = staff.post(
        "/insurer/contracts", data=_contract_form("PORTAL-X", franchise=False), headers=HTMX
    )
    assert saved.status_code == 200, saved.text
    assert 'data-contract-saved="PORTAL-X"' in saved.text
    assert len(_audited(world, "registry:contract:created")) == records + 1
    assert 'data-contract="PORTAL-X"' in staff.get("/insurer/contracts").text


def test_a_guarantee_without_its_rate_names_its_field(world: DemoWorld) -> None:
    form = _contract_form("PORTAL-Y", franchise=False)
    form["g-pharmacy_65-rate"] = ""
    refused = _staff(world).post("/insurer/contracts", data=form, headers=HTMX)
    assert refused.status_code == 422
    assert 'href="#f-g-pharmacy_65-rate"' in refused.text


def _upload(staff: TestClient, name: str, content: bytes) -> object:
    return staff.post(
        "/insurer/imports", files={"rights_file": (name, content, "text/csv")}, headers=HTMX
    )


def test_an_upload_imports_own_lines_and_its_report_is_downloadable(
    world: DemoWorld, tmp_path: Path
) -> None:
    lines = statements(france(60), beneficiaries=40)
    own = [line for line in lines if line.amc_number == world.card.amc_number]
    others = [line for line in lines if line.amc_number != world.card.amc_number][:3]
    content = write_file(tmp_path / "mine.csv", [*own, *others]).read_bytes()
    staff = _staff(world)
    done = staff.post(
        "/insurer/imports", files={"rights_file": ("mine.csv", content, "text/csv")}, headers=HTMX
    )
    assert done.status_code == 200, done.text
    assert f'data-rejected="{len(others)}"' in done.text
    page = staff.get("/insurer/imports")
    assert page.status_code == 200
    run_id = page.text.split('data-import="')[1].split('"')[0]
    report = staff.get(f"/insurer/imports/{run_id}/report")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.text)))
    assert rows[0] == ["line", "code", "field", "message"]
    assert {row[1] for row in rows[1:]} == {"I-OTHER-AMC"}
    for line in others:
        assert line.insured_nir not in report.text
    assert _audited(world, "registry:import_report:read")


def test_bad_uploads_are_refused_clearly(world: DemoWorld) -> None:
    staff = _staff(world)
    for name, content, words in (
        ("rights.txt", b"amc_number\n", "rights_file"),
        ("rights.csv", b"", "rights_file"),
        ("rights.csv", b"x" * (5 * 1024 * 1024 + 1), "rights_file"),
        ("rights.csv", b"not,a,rights,file\n1,2,3,4\n", "invalid-input"),
    ):
        refused = staff.post(
            "/insurer/imports", files={"rights_file": (name, content, "text/csv")}, headers=HTMX
        )
        assert refused.status_code == 422, (name, refused.text)
        assert words in refused.text
    urlencoded = staff.post("/insurer/imports", data={"rights_file": "x"}, headers=HTMX)
    assert urlencoded.status_code == 422


def test_the_insurer_staff_pages_are_refused_to_other_roles(world: DemoWorld) -> None:
    dpo = world.persona("insurer-dpo")
    for path in ("/insurer/members", "/insurer/contracts", "/insurer/imports"):
        assert dpo.get(path).status_code == 403
    pharmacist = world.persona("pharmacist")
    refused = pharmacist.post("/insurer/members/lookup", data=_lookup_form(world), headers=HTMX)
    assert refused.status_code == 403


def test_the_insurer_staff_pages_speak_english_too(world: DemoWorld) -> None:
    staff = _staff(world)
    staff.headers["Accept-Language"] = "en"
    for path, words in (
        ("/insurer/members", "Member lookup"),
        ("/insurer/contracts", "Contracts and guarantees"),
        ("/insurer/imports", "Rights files"),
        ("/insurer/contracts/new", "Guarantees per care category"),
    ):
        page = staff.get(path)
        assert page.status_code == 200
        assert '<html lang="en">' in page.text
        assert words in page.text


def test_a_lookup_works_without_javascript(world: DemoWorld) -> None:
    """The lookup form carries the session's token in a hidden field; sent without the
    HTMX header, the answer is a whole page (masked), and a wrong token is refused."""
    staff = _staff(world)
    del staff.headers["X-CSRF-Token"]
    found = re.search(r'name="csrf_token" value="([^"]+)"', staff.get("/insurer/members").text)
    assert found, "the lookup form carries the token"
    form = {**_lookup_form(world), "csrf_token": found.group(1)}
    answer = staff.post("/insurer/members/lookup", data=form)
    assert answer.status_code == 200, answer.text
    assert "<html" in answer.text
    assert 'data-member="masked"' in answer.text  # masked until revealed
    refused = staff.post("/insurer/members/lookup", data={**form, "csrf_token": "x" * 20})
    assert refused.status_code == 403
