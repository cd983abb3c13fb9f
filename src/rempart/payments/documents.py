"""Remittance advices (to a professional's structure: what a payment run paid and
rejected) and insurer settlement statements (to an AMC: what it owes per structure), as
CSV and PDF. Pure functions over frozen dataclasses; the same input gives the same bytes.

CSV: UTF-8 with a byte-order mark (so that a French spreadsheet reads the accents), `;`
between fields, CRLF line ends, a header line, amounts in euros with a decimal comma and
no thousands separator ("1234,56"), dates as YYYY-MM-DD. A text cell that a spreadsheet
would run as a formula (starting with = + - @ or a tab) is written with a leading `'`.
Columns are listed in docs/formats/payments.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rempart.kernel.errors import InvalidInput
from rempart.payments.documents_pdf import Column, Report, render


class DocumentError(InvalidInput):
    code = "invalid-payment-document"
    title = "A payment document cannot be built from this input"


class LineStatus(StrEnum):
    PAID = "paid"
    REJECTED = "rejected"


_STATUS_FR = {LineStatus.PAID: "payée", LineStatus.REJECTED: "rejetée"}


def _non_negative_cents(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DocumentError(f"{field} must be a non-negative integer of cents", field=field)


@dataclass(frozen=True)
class AdviceLine:
    invoice_number: str
    date_of_care: date
    line_code: str
    category: str
    amc_cents: int  # paid: the amount paid; rejected: the amount claimed
    status: str  # LineStatus: "paid" | "rejected"
    reason_code: str | None
    reason_fr: str | None
    reason_en: str | None

    def __post_init__(self) -> None:
        if self.status not in tuple(LineStatus):
            raise DocumentError("status must be 'paid' or 'rejected'", field="status")
        _non_negative_cents(self.amc_cents, "amc_cents")
        if self.status == LineStatus.REJECTED and not self.reason_code:
            raise DocumentError("a rejected line needs its reason_code", field="reason_code")


@dataclass(frozen=True)
class RemittanceAdvice:
    run_id: str
    run_date: date
    structure_finess: str
    structure_name: str
    payment_reference: str  # the end-to-end id of the transfer
    iban_last4: str  # never the full IBAN
    lines: tuple[AdviceLine, ...]

    def __post_init__(self) -> None:
        if len(self.iban_last4) != 4 or not self.iban_last4.isascii():
            raise DocumentError(
                "iban_last4 must be the last 4 characters of the IBAN, never more",
                field="iban_last4",
            )

    @property
    def paid_cents(self) -> int:
        return sum(line.amc_cents for line in self.lines if line.status == LineStatus.PAID)

    @property
    def paid_count(self) -> int:
        return sum(1 for line in self.lines if line.status == LineStatus.PAID)

    @property
    def rejected_count(self) -> int:
        return sum(1 for line in self.lines if line.status == LineStatus.REJECTED)


@dataclass(frozen=True)
class StatementLine:
    structure_finess: str
    structure_name: str
    lines: int
    amc_cents: int

    def __post_init__(self) -> None:
        if isinstance(self.lines, bool) or not isinstance(self.lines, int) or self.lines < 0:
            raise DocumentError("lines must be a non-negative integer", field="lines")
        _non_negative_cents(self.amc_cents, "amc_cents")


@dataclass(frozen=True)
class SettlementStatement:
    amc_number: str
    insurer_name: str
    period_start: date
    period_end: date
    run_id: str
    lines: tuple[StatementLine, ...]

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise DocumentError("period_end must not be before period_start", field="period_end")

    @property
    def total_cents(self) -> int:
        return sum(line.amc_cents for line in self.lines)

    @property
    def total_lines(self) -> int:
        return sum(line.lines for line in self.lines)


# --- formatting ------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str | None) -> str:
    """A text cell a spreadsheet will show as text, never run as a formula (OWASP)."""
    value = text or ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def euros_csv(cents: int) -> str:
    """1234567 -> "12345,67" (decimal comma, no grouping: what a French spreadsheet reads
    as a number)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole},{part:02d}"


def euros_fr(cents: int) -> str:
    """1234567 -> "12 345,67" for reading."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{part:02d}"


def _date_fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


# --- remittance advice -----------------------------------------------------------------

ADVICE_COLUMNS = (
    "run_id",
    "run_date",
    "structure_finess",
    "payment_reference",
    "invoice_number",
    "date_of_care",
    "line_code",
    "category",
    "status",
    "amc_amount",
    "reason_code",
    "reason_fr",
    "reason_en",
)


def advice_csv(advice: RemittanceAdvice) -> bytes:
    """One row per invoice line, paid and rejected, in the advice's order."""
    return _csv(
        ADVICE_COLUMNS,
        (
            (
                _cell(advice.run_id),
                advice.run_date.isoformat(),
                _cell(advice.structure_finess),
                _cell(advice.payment_reference),
                _cell(line.invoice_number),
                line.date_of_care.isoformat(),
                _cell(line.line_code),
                _cell(line.category),
                line.status,
                euros_csv(line.amc_cents),
                _cell(line.reason_code),
                _cell(line.reason_fr),
                _cell(line.reason_en),
            )
            for line in advice.lines
        ),
    )


def advice_pdf(advice: RemittanceAdvice) -> bytes:
    """The advice for people: the structure, the transfer, the totals, then every line."""
    return render(
        Report(
            title="Avis de paiement",
            reference=(
                f"Avis de paiement - paiement {advice.run_id} - FINESS {advice.structure_finess}"
            ),
            issued_on=advice.run_date,
            facts=(
                ("Structure", advice.structure_name),
                ("FINESS", advice.structure_finess),
                ("Paiement", advice.run_id),
                ("Date du paiement", _date_fr(advice.run_date)),
                ("Référence du virement", advice.payment_reference),
                ("Compte crédité", f"IBAN se terminant par {advice.iban_last4}"),
            ),
            totals=(
                ("Total payé", f"{euros_fr(advice.paid_cents)} EUR"),
                ("Lignes payées", str(advice.paid_count)),
                ("Lignes rejetées", str(advice.rejected_count)),
            ),
            columns=(
                Column("Facture", 17),
                Column("Date des soins", 13),
                Column("Code", 10),
                Column("Catégorie", 14),
                Column("Montant AMC (EUR)", 13, "RIGHT"),
                Column("Statut", 9),
                Column("Motif du rejet", 24),
            ),
            rows=tuple(
                (
                    line.invoice_number,
                    _date_fr(line.date_of_care),
                    line.line_code,
                    line.category,
                    euros_fr(line.amc_cents),
                    _STATUS_FR[LineStatus(line.status)],
                    _reason(line),
                )
                for line in advice.lines
            ),
        )
    )


def _reason(line: AdviceLine) -> str:
    if not line.reason_code:
        return ""
    return f"{line.reason_code} : {line.reason_fr}" if line.reason_fr else line.reason_code


# --- insurer settlement statement ------------------------------------------------------

STATEMENT_COLUMNS = (
    "run_id",
    "amc_number",
    "insurer_name",
    "period_start",
    "period_end",
    "structure_finess",
    "structure_name",
    "lines",
    "amc_amount",
)


def statement_csv(statement: SettlementStatement) -> bytes:
    """One row per structure paid for the insurer, in the statement's order."""
    return _csv(
        STATEMENT_COLUMNS,
        (
            (
                _cell(statement.run_id),
                _cell(statement.amc_number),
                _cell(statement.insurer_name),
                statement.period_start.isoformat(),
                statement.period_end.isoformat(),
                _cell(line.structure_finess),
                _cell(line.structure_name),
                str(line.lines),
                euros_csv(line.amc_cents),
            )
            for line in statement.lines
        ),
    )


def statement_pdf(statement: SettlementStatement) -> bytes:
    return render(
        Report(
            title="Relevé de règlement",
            reference=(
                f"Relevé de règlement - AMC {statement.amc_number} - paiement {statement.run_id}"
            ),
            issued_on=statement.period_end,
            facts=(
                ("Organisme complémentaire", statement.insurer_name),
                ("Numéro AMC", statement.amc_number),
                (
                    "Période",
                    f"du {_date_fr(statement.period_start)} au {_date_fr(statement.period_end)}",
                ),
                ("Paiement", statement.run_id),
            ),
            totals=(
                ("Total à régler", f"{euros_fr(statement.total_cents)} EUR"),
                ("Lignes de facture", str(statement.total_lines)),
                ("Structures payées", str(len(statement.lines))),
            ),
            columns=(
                Column("FINESS", 16),
                Column("Structure", 48),
                Column("Lignes", 12, "RIGHT"),
                Column("Montant AMC (EUR)", 20, "RIGHT"),
            ),
            rows=tuple(
                (
                    line.structure_finess,
                    line.structure_name,
                    str(line.lines),
                    euros_fr(line.amc_cents),
                )
                for line in statement.lines
            ),
        )
    )
