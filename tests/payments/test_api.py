"""Structures read their payments and remittance advices (JSON, CSV, PDF); insurers read
their settlement statements; nobody reads another's."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from rempart.identity.permissions import Role
from rempart.payments.accounts import operator_from
from rempart.payments.runs import RunReport, run_payments

from ..claims.support import Pharmacy, drug, invoice, open_pharmacy
from ..conftest import TODAY
from .world import sign_mandates


@pytest.fixture
def paid(tmp_path: Path, sqlite_url: str) -> tuple[Pharmacy, RunReport]:
    pharmacy = open_pharmacy(tmp_path, sqlite_url)
    sign_mandates(pharmacy.web.platform, pharmacy.lines)
    person = pharmacy.open_people()[0]
    pharmacy.submit(invoice(person, drug("3400930000001"), drug("3400930000002", price=2000)))
    pharmacy.submit(invoice(person, number="F0002", lines=[drug(amc_claimed_cents=1)]))
    report = run_payments(
        uow=pharmacy.web.platform.uow(),
        run_date=TODAY,
        operator=operator_from(pharmacy.web.platform.settings),
        out_dir=tmp_path / "payments",
    )
    return pharmacy, report


def test_a_structure_reads_its_payment_and_its_advice(paid: tuple[Pharmacy, RunReport]) -> None:
    pharmacy, report = paid
    finess = pharmacy.world.finess
    listed = pharmacy.counter.get(f"/api/v1/structures/{finess}/payments")
    assert listed.status_code == 200, listed.text
    (payment,) = listed.json()
    assert (payment["amount_cents"], payment["lines"]) == (1050, 2)
    assert len(payment["iban_last4"]) == 4
    advice = pharmacy.counter.get(f"/api/v1/structures/{finess}/remittances/{report.run_id}")
    body = advice.json()
    assert (body["paid_cents"], body["paid_count"], body["rejected_count"]) == (1050, 2, 1)
    rejected = next(line for line in body["lines"] if line["status"] == "rejected")
    assert rejected["reason_code"] == "R-AMOUNTS-INCONSISTENT"
    assert rejected["reason_fr"]

    as_csv = pharmacy.counter.get(
        f"/api/v1/structures/{finess}/remittances/{report.run_id}", params={"format": "csv"}
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 3
    as_pdf = pharmacy.counter.get(
        f"/api/v1/structures/{finess}/remittances/{report.run_id}", params={"format": "pdf"}
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(as_pdf.content)).pages)
    assert "10,50" in text


def test_another_structure_reads_nothing(paid: tuple[Pharmacy, RunReport]) -> None:
    pharmacy, report = paid
    finess = pharmacy.world.finess
    assert pharmacy.other_counter.get(f"/api/v1/structures/{finess}/payments").status_code == 403
    other = pharmacy.other_counter.get(f"/api/v1/structures/{finess}/remittances/{report.run_id}")
    assert other.status_code == 403
    mine = pharmacy.other_counter.get(
        f"/api/v1/structures/{pharmacy.world.other_finess}/remittances/{report.run_id}"
    )
    assert mine.status_code == 404


def test_an_insurer_reads_its_statement_only(paid: tuple[Pharmacy, RunReport]) -> None:
    pharmacy, report = paid
    amc = pharmacy.open_people()[0].amc_number
    staff = pharmacy.web.signed_in(pharmacy.web.account(Role.INSURER_STAFF, "amc", amc_number=amc))
    (settlement,) = staff.get(f"/api/v1/insurers/{amc}/statements").json()
    assert settlement["amount_cents"] == 1050
    statement = staff.get(f"/api/v1/insurers/{amc}/statements/{report.run_id}").json()
    assert statement["total_cents"] == 1050
    assert statement["lines"][0]["structure_finess"] == pharmacy.world.finess
    pdf = staff.get(f"/api/v1/insurers/{amc}/statements/{report.run_id}", params={"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    other_amc = next(x.amc_number for x in pharmacy.lines if x.amc_number != amc)
    assert staff.get(f"/api/v1/insurers/{other_amc}/statements").status_code == 403
