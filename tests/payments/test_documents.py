"""Remittance advices and settlement statements: CSV that parses back to the same totals,
PDF that is a real PDF showing the labels and totals, the same bytes every time."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from rempart.kernel.errors import InvalidInput
from rempart.payments.documents import (
    ADVICE_COLUMNS,
    STATEMENT_COLUMNS,
    AdviceLine,
    DocumentError,
    LineStatus,
    RemittanceAdvice,
    SettlementStatement,
    StatementLine,
    advice_csv,
    advice_pdf,
    euros_csv,
    euros_fr,
    statement_csv,
    statement_pdf,
)
from rempart.payments.documents_pdf import printable


def paid(number: str, cents: int) -> AdviceLine:
    return AdviceLine(
        number, date(2025, 2, 10), "PH7", "pharmacie", cents, "paid", None, None, None
    )


def rejected(number: str, cents: int) -> AdviceLine:
    return AdviceLine(
        number,
        date(2025, 2, 11),
        "PH4",
        "pharmacie",
        cents,
        LineStatus.REJECTED,
        "R-RIGHTS-CLOSED",
        "Droits fermés à la date des soins",
        "Rights closed on the date of care",
    )


def advice(lines: tuple[AdviceLine, ...]) -> RemittanceAdvice:
    return RemittanceAdvice(
        run_id="RUN-20250303",
        run_date=date(2025, 3, 3),
        structure_finess="750000001",
        structure_name="Pharmacie de l'Étoile",
        payment_reference="RUN-20250303-000001",
        iban_last4="0143",
        lines=lines,
    )


ADVICE = advice(
    (paid("F-001", 123_45), rejected("F-002", 50_00), paid("F-003", 1_000_00), paid("F-004", 5))
)

STATEMENT = SettlementStatement(
    amc_number="123456789",
    insurer_name="Mutuelle Générale d'Épargne",
    period_start=date(2025, 2, 1),
    period_end=date(2025, 2, 28),
    run_id="RUN-20250303",
    lines=(
        StatementLine("750000001", "Pharmacie de l'Étoile", 12, 1_123_50),
        StatementLine("750000002", "Pharmacie du Cœur", 85, 12_345_67),
    ),
)


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM, for spreadsheets to read UTF-8"
    assert b"\r\n" in data
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def cents_of(text: str) -> int:
    assert re.fullmatch(r"-?[0-9]+,[0-9]{2}", text), text
    return int(Decimal(text.replace(",", ".")) * 100)


def pdf_text(data: bytes) -> tuple[int, str]:
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(data), strict=True)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_advice_computes_its_totals() -> None:
    assert ADVICE.paid_cents == 1_123_50
    assert (ADVICE.paid_count, ADVICE.rejected_count) == (3, 1)


def test_advice_csv_parses_back_with_the_right_totals() -> None:
    rows = read_csv(advice_csv(ADVICE))
    assert tuple(rows[0]) == ADVICE_COLUMNS
    assert len(rows) == 4
    assert sum(cents_of(r["amc_amount"]) for r in rows if r["status"] == "paid") == 1_123_50
    assert [r["status"] for r in rows].count("rejected") == 1
    assert rows[1]["reason_code"] == "R-RIGHTS-CLOSED"
    assert rows[1]["reason_fr"] == "Droits fermés à la date des soins"
    assert rows[0]["amc_amount"] == "123,45"
    assert rows[3]["amc_amount"] == "0,05"
    assert rows[0]["date_of_care"] == "2025-02-10"
    assert {r["payment_reference"] for r in rows} == {"RUN-20250303-000001"}


def test_statement_csv_parses_back_with_the_right_totals() -> None:
    rows = read_csv(statement_csv(STATEMENT))
    assert tuple(rows[0]) == STATEMENT_COLUMNS
    assert sum(cents_of(r["amc_amount"]) for r in rows) == STATEMENT.total_cents == 13_469_17
    assert sum(int(r["lines"]) for r in rows) == STATEMENT.total_lines == 97
    assert rows[1]["structure_name"] == "Pharmacie du Cœur"
    assert {r["amc_number"] for r in rows} == {"123456789"}


amounts = st.integers(min_value=0, max_value=10**9)


@settings(max_examples=50)
@given(st.lists(st.tuples(amounts, st.booleans()), max_size=30))
def test_advice_csv_totals_hold_for_any_lines(specs: list[tuple[int, bool]]) -> None:
    lines = tuple(
        paid(f"F-{i}", cents) if is_paid else rejected(f"F-{i}", cents)
        for i, (cents, is_paid) in enumerate(specs)
    )
    rows = read_csv(advice_csv(advice(lines)))
    assert sum(cents_of(r["amc_amount"]) for r in rows if r["status"] == "paid") == sum(
        cents for cents, is_paid in specs if is_paid
    )
    assert len(rows) == len(specs)


def test_a_cell_a_spreadsheet_would_run_is_written_as_text() -> None:
    hostile = advice((paid('=HYPERLINK("http://x")', 1), paid("+1", 2), paid("@SUM(A1)", 3)))
    rows = read_csv(advice_csv(hostile))
    assert [r["invoice_number"] for r in rows] == ['\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)"]


def test_advice_pdf_shows_labels_and_totals() -> None:
    data = advice_pdf(ADVICE)
    pages, text = pdf_text(data)
    assert pages == 1
    for expected in (
        "Avis de paiement",
        "Pharmacie de l'Étoile",
        "750000001",
        "RUN-20250303-000001",
        "IBAN se terminant par 0143",
        "Total payé : 1 123,50 EUR",
        "Lignes payées : 3",
        "Lignes rejetées : 1",
        "R-RIGHTS-CLOSED : Droits fermés à la date des soins",
        "10/02/2025",
        "Page 1/1",
    ):
        assert expected in text, expected


def test_a_long_advice_runs_over_several_pages() -> None:
    lines = tuple(paid(f"F-{i:04d}", 100 + i) for i in range(150))
    pages, text = pdf_text(advice_pdf(advice(lines)))
    assert pages >= 3
    for page in range(1, pages + 1):
        assert f"Page {page}/{pages}" in text
    assert text.count("Montant AMC (EUR)") == pages  # the heading repeats on every page
    assert "F-0000" in text
    assert "F-0149" in text
    assert f"Total payé : {euros_fr(sum(100 + i for i in range(150)))} EUR" in text


def test_an_advice_without_lines_still_renders() -> None:
    _, text = pdf_text(advice_pdf(advice(())))
    assert "Total payé : 0,00 EUR" in text
    assert "Aucune ligne." in text


def test_statement_pdf_shows_labels_and_totals() -> None:
    pages, text = pdf_text(statement_pdf(STATEMENT))
    assert pages == 1
    for expected in (
        "Relevé de règlement",
        "Mutuelle Générale d'Épargne",
        "Numéro AMC : 123456789",
        "du 01/02/2025 au 28/02/2025",
        "Total à régler : 13 469,17 EUR",
        "Lignes de facture : 97",
        "Structures payées : 2",
        "Pharmacie du Cœur",
        "12 345,67",
    ):
        assert expected in text, expected


def test_documents_are_deterministic() -> None:
    assert advice_pdf(ADVICE) == advice_pdf(ADVICE)
    assert statement_pdf(STATEMENT) == statement_pdf(STATEMENT)
    assert advice_csv(ADVICE) == advice_csv(ADVICE)
    assert statement_csv(STATEMENT) == statement_csv(STATEMENT)


@pytest.mark.parametrize(
    ("cents", "for_csv", "for_people"),
    [(0, "0,00", "0,00"), (5, "0,05", "0,05"), (123_45, "123,45", "123,45"),
     (1_234_567_89, "1234567,89", "1 234 567,89"), (-1_000_00, "-1000,00", "-1 000,00")],
)  # fmt: skip
def test_euro_formats(cents: int, for_csv: str, for_people: str) -> None:
    assert euros_csv(cents) == for_csv
    assert euros_fr(cents) == for_people


def test_text_outside_the_pdf_fonts_is_reduced() -> None:
    assert printable("Cœur € « é » \u2019") == "Cœur € « é » \u2019"
    assert printable("Łódź 药\tx") == "?ódz ? x"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: paid("F", -1), "amc_cents"),
        (lambda: paid("F", True), "amc_cents"),
        (
            lambda: AdviceLine("F", date(2025, 1, 1), "C", "c", 1, "refused", None, None, None),
            "status",
        ),
        (
            lambda: AdviceLine("F", date(2025, 1, 1), "C", "c", 1, "rejected", None, None, None),
            "reason_code",
        ),
        (
            lambda: RemittanceAdvice(
                "R", date(2025, 1, 1), "750000001", "P", "E", "FR7630004000031234567890143", ()
            ),
            "iban_last4",
        ),
        (lambda: StatementLine("750000001", "P", -1, 0), "lines"),
        (lambda: StatementLine("750000001", "P", 1, -1), "amc_cents"),
        (
            lambda: SettlementStatement(
                "123456789", "M", date(2025, 2, 2), date(2025, 2, 1), "R", ()
            ),
            "period_end",
        ),
    ],
)
def test_inconsistent_documents_are_refused(build: object, field: str) -> None:
    assert callable(build)
    with pytest.raises(DocumentError) as caught:
        build()
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidInput)
    assert "FR76" not in caught.value.message
