"""Invoice intake over HTTP: decisions per line, idempotency, duplicates, the payment
guarantee, the deadline, ceilings, cancellation, reading one's own — and bad input that
gets a clear answer and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rempart.audit.models import AuditRecordRow
from rempart.claims.models import InvoiceLineRow, InvoiceRow
from rempart.payments.models import LedgerEntryRow

from ..conftest import TODAY
from .support import Pharmacy, drug, invoice, open_pharmacy


@pytest.fixture
def pharmacy(tmp_path: Path, sqlite_url: str) -> Pharmacy:
    return open_pharmacy(tmp_path, sqlite_url)


def _count(pharmacy: Pharmacy, column: object) -> int:
    with pharmacy.web.platform.uow() as uow:
        return uow.session.scalar(select(func.count(column))) or 0  # type: ignore[arg-type]


def test_an_invoice_for_open_rights_is_accepted_line_by_line(pharmacy: Pharmacy) -> None:
    person = pharmacy.open_people()[0]
    answer = pharmacy.submit(
        invoice(person, drug("3400930000001"), drug("3400930000002", price=2000))
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "accepted"
    assert [line["amc_cents"] for line in body["lines"]] == [350, 700]
    assert body["amc_cents"] == 1050
    assert {line["rule"] for line in body["lines"]} <= {
        "COV-PERCENT-TM",
        "COV-PERCENT-BR",
        "COV-CAPPED-AT-REMAINDER",
    }
    for secret in (person.insured_nir, person.birth_date, person.last_name, person.member_number):
        assert secret not in answer.text
    with pharmacy.web.platform.uow() as uow:
        entries = uow.session.scalars(select(LedgerEntryRow.amount_cents)).all()
        assert sum(entries) == 0
        assert sum(e for e in entries if e > 0) == 1050
        tags = uow.session.scalars(select(AuditRecordRow.tag)).all()
        assert "claims:invoice:received" in tags


def test_resending_with_the_same_key_answers_the_same_and_creates_nothing(
    pharmacy: Pharmacy,
) -> None:
    body = invoice(pharmacy.open_people()[0])
    first = pharmacy.submit(body, key="pharmacy-software-0001")
    again = pharmacy.submit(body, key="pharmacy-software-0001")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert _count(pharmacy, InvoiceRow.id) == 1
    changed = pharmacy.submit({**body, "invoice_number": "F0002"}, key="pharmacy-software-0001")
    assert changed.status_code == 409
    assert _count(pharmacy, InvoiceRow.id) == 1


def test_an_invoice_sent_twice_under_two_keys_is_already_paid(pharmacy: Pharmacy) -> None:
    body = invoice(pharmacy.open_people()[0])
    assert pharmacy.submit(body).json()["status"] == "accepted"
    twice = pharmacy.submit(body).json()
    assert twice["status"] == "rejected"
    assert twice["lines"][0]["reason"] == "R-ALREADY-PAID"
    assert twice["amc_cents"] == 0


def test_the_same_drug_on_another_invoice_the_same_day_is_flagged_not_refused(
    pharmacy: Pharmacy,
) -> None:
    person = pharmacy.open_people()[0]
    pharmacy.submit(invoice(person, number="F0001"))
    second = pharmacy.submit(invoice(person, number="F0002")).json()
    assert second["status"] == "accepted"
    assert second["lines"][0]["near_duplicate"] is True


def test_a_stranger_and_closed_rights_are_refused_with_their_code(pharmacy: Pharmacy) -> None:
    person = pharmacy.open_people()[0]
    stranger = pharmacy.submit(
        invoice(person, card={**invoice(person)["card"], "member_number": "ZZ999999"})
    )
    assert stranger.json()["reason"] == "R-NO-MATCHING-RIGHTS"
    assert stranger.json()["lines"][0]["reason"] == "R-NO-MATCHING-RIGHTS"
    ended = next(
        (
            x
            for x in pharmacy.lines
            if x.rights and all(p.end is not None and p.end < TODAY for p in x.rights)
        ),
        None,
    )
    if ended is not None:
        closed = pharmacy.submit(invoice(ended)).json()
        assert closed["reason"] in ("R-RIGHTS-CLOSED", "R-INVOICING-DEADLINE")


def test_an_uncovered_line_is_rejected_and_the_rest_accepted(pharmacy: Pharmacy) -> None:
    body = invoice(
        pharmacy.open_people()[0],
        drug("3400930000001"),
        {  # a consultation under ALD: the AMO pays it all
            "category": "general_practitioner",
            "code": "G",
            "quantity": 1,
            "unit_price_cents": 3000,
            "unit_br_cents": 3000,
            "amo_rate_bp": 10_000,
            "amo_cents": 3000,
            "exoneration": "ald",
        },
    )
    answer = pharmacy.submit(body).json()
    assert answer["status"] == "partially_accepted"
    assert [line["status"] for line in answer["lines"]] == ["accepted", "rejected"]
    assert answer["lines"][1]["reason"] == "R-NOTHING-DUE"


def test_a_claimed_amount_that_differs_is_inconsistent(pharmacy: Pharmacy) -> None:
    body = invoice(pharmacy.open_people()[0], drug(amc_claimed_cents=999))
    line = pharmacy.submit(body).json()["lines"][0]
    assert (line["status"], line["reason"]) == ("rejected", "R-AMOUNTS-INCONSISTENT")
    right = invoice(pharmacy.open_people()[0], drug(amc_claimed_cents=350), number="F0002")
    assert pharmacy.submit(right).json()["lines"][0]["status"] == "accepted"


def test_ceilings_hold_across_invoices(pharmacy: Pharmacy) -> None:
    person = pharmacy.open_people()[0]
    pharmacy.set_ceiling(person, "pharmacy_65", 500)
    first = pharmacy.submit(invoice(person, number="F0001")).json()
    second = pharmacy.submit(invoice(person, number="F0002", lines=[drug("3400930000002")])).json()
    third = pharmacy.submit(invoice(person, number="F0003", lines=[drug("3400930000003")])).json()
    assert [first["amc_cents"], second["amc_cents"], third["amc_cents"]] == [350, 150, 0]
    assert third["lines"][0]["reason"] == "R-CEILING-REACHED"


def test_an_invoice_past_the_deadline_is_refused(pharmacy: Pharmacy) -> None:
    person = pharmacy.open_people()[0]
    late = pharmacy.submit(invoice(person, day=TODAY - timedelta(days=30))).json()
    assert late["reason"] in ("R-INVOICING-DEADLINE", "R-RIGHTS-CLOSED")
    if any(p.covers(TODAY - timedelta(days=30)) for p in person.rights):
        assert late["reason"] == "R-INVOICING-DEADLINE"


def test_cancellation_undoes_everything_and_frees_the_invoice_number(pharmacy: Pharmacy) -> None:
    person = pharmacy.open_people()[0]
    pharmacy.set_ceiling(person, "pharmacy_65", 350)
    sent = pharmacy.submit(invoice(person)).json()
    other = pharmacy.other_counter.post(f"/api/v1/invoices/{sent['invoice_id']}/cancellation")
    assert other.status_code == 404
    cancelled = pharmacy.counter.post(f"/api/v1/invoices/{sent['invoice_id']}/cancellation")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = pharmacy.counter.post(f"/api/v1/invoices/{sent['invoice_id']}/cancellation")
    assert again.status_code == 409
    with pharmacy.web.platform.uow() as uow:
        assert sum(uow.session.scalars(select(LedgerEntryRow.amount_cents)).all()) == 0
        balances = uow.session.execute(
            select(LedgerEntryRow.account, func.sum(LedgerEntryRow.amount_cents)).group_by(
                LedgerEntryRow.account
            )
        ).all()
        assert all(total == 0 for _, total in balances)
    # The ceiling was given back and the number is free again.
    resent = pharmacy.submit(invoice(person)).json()
    assert (resent["status"], resent["amc_cents"]) == ("accepted", 350)


def test_cancellation_is_refused_after_the_window(pharmacy: Pharmacy) -> None:
    sent = pharmacy.submit(invoice(pharmacy.open_people()[0])).json()
    pharmacy.web.clock.set(pharmacy.web.clock.now() + timedelta(hours=25))
    counter = pharmacy.web.signed_in(pharmacy.professional)  # yesterday's session ended
    late = counter.post(f"/api/v1/invoices/{sent['invoice_id']}/cancellation")
    assert late.status_code == 403


def test_professionals_read_their_own_invoices_only(pharmacy: Pharmacy) -> None:
    sent = pharmacy.submit(invoice(pharmacy.open_people()[0])).json()
    listed = pharmacy.counter.get("/api/v1/invoices").json()
    assert [x["invoice_id"] for x in listed] == [sent["invoice_id"]]
    assert pharmacy.other_counter.get("/api/v1/invoices").json() == []
    mine = pharmacy.counter.get(f"/api/v1/invoices/{sent['invoice_id']}")
    assert mine.status_code == 200
    assert mine.json()["paid_lines"] == 0
    assert pharmacy.other_counter.get(f"/api/v1/invoices/{sent['invoice_id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [drug("A1"), drug("A1")]}, "lines"),
        ({"date_of_care": (TODAY + timedelta(days=1)).isoformat()}, "date_of_care"),
        ({"invoice_number": "F 01"}, "invoice_number"),
        ({"card": None}, "card"),
        ({"lines": [drug(amo_cents=2000)]}, "amo_cents"),
    ],
)
def test_bad_input_is_refused_clearly_and_writes_nothing(
    pharmacy: Pharmacy, change: dict[str, object], field: str
) -> None:
    body = {**invoice(pharmacy.open_people()[0]), **change}
    answer = pharmacy.submit(body)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert _count(pharmacy, InvoiceRow.id) == 0
    assert _count(pharmacy, InvoiceLineRow.id) == 0


def test_an_idempotency_key_is_required_and_well_formed(pharmacy: Pharmacy) -> None:
    body = invoice(pharmacy.open_people()[0])
    assert pharmacy.counter.post("/api/v1/invoices", json=body).status_code == 422
    short = pharmacy.submit(body, key="abc")
    assert short.status_code == 422
    assert "Idempotency-Key" in short.text
