"""Invoices and their adjudication rules, pure.

A line is accepted for exactly the AMC share the coverage calculation gives, or rejected
with a reason code from the shared list (`rights.reasons`): the same codes appear in the
intake answer, in the professional's list of invoices and in the remittance advice."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from rempart.claims.calendar import add_working_days
from rempart.kernel.errors import InvalidInput
from rempart.registry.domain import Contract
from rempart.rights.calculation import Coverage, LineCoverage, calculate_coverage
from rempart.rights.domain import CareLine, CoverageRule, YearConsumption
from rempart.rights.reasons import Reason

# DOMAIN.md: in tiers payant an invoice is due within 8 working days of care. A cited
# accreditation extends the deadline to its own expiry when that is later.
INVOICING_DEADLINE_WORKING_DAYS = 8
# A professional may withdraw an invoice sent by mistake until it is paid, within a day.
CANCELLATION_WINDOW = timedelta(hours=24)
MAX_LINES = 100

_INVOICE_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")


class ClaimsTag(StrEnum):
    INVOICE_RECEIVED = "claims:invoice:received"
    INVOICE_REJECTED = "claims:invoice:rejected"
    INVOICE_CANCELLED = "claims:invoice:cancelled"
    INVOICE_READ = "claims:invoice:read"
    OWN_INVOICES_READ = "claims:own_invoice:read"  # an insured person read their own invoices


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class InvoiceStatus(StrEnum):
    ACCEPTED = "accepted"  # every line accepted
    PARTIAL = "partially_accepted"
    REJECTED = "rejected"  # no line accepted
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ClaimedLine:
    care: CareLine
    amc_claimed_cents: int | None = None  # what the software computed; checked if given


def validate_invoice_number(value: str) -> str:
    number = value.strip().upper()
    if not _INVOICE_NUMBER.fullmatch(number):
        raise InvalidInput(
            "invoice_number has 1-20 letters, digits or dashes", field="invoice_number"
        )
    return number


def validate_lines(lines: Sequence[ClaimedLine]) -> tuple[ClaimedLine, ...]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidInput(f"an invoice has 1 to {MAX_LINES} lines", field="lines")
    codes = [line.care.code for line in lines]
    if len(set(codes)) != len(codes):
        raise InvalidInput(
            "each product or act code appears once per invoice: give its quantity",
            field="lines",
        )
    for line in lines:
        care = line.care
        if care.amo_cents > care.price_cents:
            raise InvalidInput("a line's AMO share exceeds its price", field="lines")
        if care.franchise_cents > care.amo_cents:
            raise InvalidInput("a franchise is deducted from the AMO share", field="lines")
        if line.amc_claimed_cents is not None and line.amc_claimed_cents < 0:
            raise InvalidInput("amc_claimed_cents cannot be negative", field="lines")
    return tuple(lines)


def invoicing_deadline(date_of_care: date, accreditation_expires_on: date | None) -> date:
    """The last day an invoice for this care is accepted."""
    deadline = add_working_days(date_of_care, INVOICING_DEADLINE_WORKING_DAYS)
    if accreditation_expires_on is not None:
        deadline = max(deadline, accreditation_expires_on)
    return deadline


def may_cancel(*, received_at: datetime, now: datetime, paid: bool) -> bool:
    return not paid and now - received_at <= CANCELLATION_WINDOW


@dataclass(frozen=True, slots=True)
class LineDecision:
    line_no: int
    claimed: ClaimedLine
    coverage: LineCoverage | None  # None when the whole invoice was refused
    status: LineStatus
    reason: Reason | None
    amc_cents: int  # 0 unless accepted


_ZERO_REASONS = {
    CoverageRule.NOT_COVERED: Reason.NOT_COVERED,
    CoverageRule.EXCLUDED: Reason.NOT_COVERED,
    CoverageRule.RENEWAL_PERIOD: Reason.RENEWAL_PERIOD,
    CoverageRule.FORFAIT_USED_UP: Reason.CEILING_REACHED,
    CoverageRule.YEARLY_CEILING: Reason.CEILING_REACHED,
}


def refuse_all(lines: Sequence[ClaimedLine], reason: Reason) -> tuple[LineDecision, ...]:
    return tuple(
        LineDecision(no, line, None, LineStatus.REJECTED, reason, 0)
        for no, line in enumerate(lines, start=1)
    )


@dataclass(frozen=True)
class Adjudication:
    decisions: tuple[LineDecision, ...]
    consumption_added: YearConsumption  # of the accepted lines only

    @property
    def amc_cents(self) -> int:
        return sum(d.amc_cents for d in self.decisions)

    @property
    def status(self) -> InvoiceStatus:
        accepted = sum(d.status is LineStatus.ACCEPTED for d in self.decisions)
        if accepted == len(self.decisions):
            return InvoiceStatus.ACCEPTED
        return InvoiceStatus.PARTIAL if accepted else InvoiceStatus.REJECTED


def adjudicate_lines(
    *,
    contract: Contract,
    lines: Sequence[ClaimedLine],
    date_of_care: date,
    consumption: YearConsumption,
    already_paid: Callable[[ClaimedLine], bool],
) -> Adjudication:
    """Each line accepted for the calculated AMC share, or rejected with its reason.

    Rejected lines consume nothing, and earlier lines consume ceilings before later ones.
    So the calculation is run over the lines still standing, the first line that falls is
    set aside (nothing after it can change its fate), and the calculation runs again; it
    ends when no line falls (at most one round per line)."""
    rejected: dict[int, Reason] = {
        no: Reason.ALREADY_PAID for no, line in enumerate(lines, start=1) if already_paid(line)
    }
    while True:
        standing = [(no, line) for no, line in enumerate(lines, start=1) if no not in rejected]
        coverage = _coverage(contract, [line for _, line in standing], date_of_care, consumption)
        covered_lines = coverage.lines if coverage else ()
        fallen = next(
            (
                (no, reason)
                for (no, line), covered in zip(standing, covered_lines, strict=True)
                if (reason := _line_reason(line, covered)) is not None
            ),
            None,
        )
        if fallen is None:
            break
        rejected[fallen[0]] = fallen[1]
    covered_by_no = dict(
        zip((no for no, _ in standing), coverage.lines if coverage else (), strict=True)
    )
    decisions = tuple(
        LineDecision(no, line, covered_by_no.get(no), LineStatus.REJECTED, rejected[no], 0)
        if no in rejected
        else LineDecision(
            no, line, covered_by_no[no], LineStatus.ACCEPTED, None, covered_by_no[no].amc_cents
        )
        for no, line in enumerate(lines, start=1)
    )
    added = coverage.consumption_added if coverage else YearConsumption(date_of_care.year)
    return Adjudication(decisions, added)


def _coverage(
    contract: Contract, lines: list[ClaimedLine], day: date, consumption: YearConsumption
) -> Coverage | None:
    if not lines:
        return None
    return calculate_coverage(
        contract=contract,
        lines=[line.care for line in lines],
        date_of_care=day,
        consumption=consumption,
    )


def _line_reason(line: ClaimedLine, covered: LineCoverage) -> Reason | None:
    if covered.amc_cents == 0:
        return _ZERO_REASONS.get(covered.rule, Reason.NOTHING_DUE)
    if line.amc_claimed_cents is not None and line.amc_claimed_cents != covered.amc_cents:
        return Reason.AMOUNTS_INCONSISTENT
    return None
