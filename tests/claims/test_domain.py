"""The pure rules of invoices: working days, the deadline, line decisions, postings."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.claims.calendar import add_working_days, easter_sunday, is_working_day
from rempart.claims.domain import (
    ClaimedLine,
    LineStatus,
    adjudicate_lines,
    invoicing_deadline,
    validate_invoice_number,
    validate_lines,
)
from rempart.kernel.errors import InvalidInput
from rempart.payments import ledger
from rempart.registry.domain import CareCategory, Contract, GuaranteeLine, RuleKind
from rempart.rights.domain import CareLine, YearConsumption
from rempart.rights.reasons import Reason

DAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_public_holidays_and_weekends_are_not_working_days() -> None:
    for holiday in (
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 4, 6),
        date(2026, 12, 25),
        date(2026, 7, 14),
        date(2026, 4, 3),
    ):
        assert not is_working_day(holiday), holiday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert is_working_day(date(2026, 11, 30))


def test_eight_working_days_skip_weekends_and_holidays() -> None:
    assert add_working_days(DAY, 8) == date(2026, 12, 9)
    # Around Christmas: 25 and 26 December do not count.
    assert add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 28)


def test_a_later_accreditation_expiry_extends_the_deadline() -> None:
    assert invoicing_deadline(DAY, None) == date(2026, 12, 9)
    assert invoicing_deadline(DAY, date(2026, 12, 12)) == date(2026, 12, 12)
    assert invoicing_deadline(DAY, date(2026, 12, 1)) == date(2026, 12, 9)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), st.integers(0, 30))
def test_working_days_are_counted_exactly(start: date, days: int) -> None:
    end = add_working_days(start, days)
    between = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(is_working_day(d) for d in between) == days
    assert days == 0 or is_working_day(end)


def drug(code: str, price: int = 1000, claimed: int | None = None) -> ClaimedLine:
    care = CareLine(CareCategory.PHARMACY_65, code, 1, price, price, 6500, price * 65 // 100)
    return ClaimedLine(care, claimed)


def contract(ceiling: int | None = None) -> Contract:
    return Contract(
        "C1",
        "test",
        False,
        (
            GuaranteeLine(
                CareCategory.PHARMACY_65,
                RuleKind.PERCENT_OF_TM,
                rate_bp=10_000,
                yearly_ceiling_cents=ceiling,
            ),
        ),
    )


def decide(
    lines: list[ClaimedLine], ceiling: int | None = None, paid: frozenset[str] = frozenset()
):  # type: ignore[no-untyped-def]
    return adjudicate_lines(
        contract=contract(ceiling),
        lines=lines,
        date_of_care=DAY,
        consumption=YearConsumption(DAY.year),
        already_paid=lambda line: line.care.code in paid,
    )


def test_a_rejected_line_consumes_nothing_and_later_lines_get_the_ceiling() -> None:
    # 350 each; ceiling 500. The first line claims a wrong amount and falls: the second
    # then gets 350 (not 150), and only accepted lines are recorded as consumed.
    result = decide([drug("A", claimed=1), drug("B"), drug("C")], ceiling=500)
    assert [d.status for d in result.decisions] == [
        LineStatus.REJECTED,
        LineStatus.ACCEPTED,
        LineStatus.ACCEPTED,
    ]
    assert [d.amc_cents for d in result.decisions] == [0, 350, 150]
    assert result.decisions[0].reason is Reason.AMOUNTS_INCONSISTENT
    assert result.consumption_added.of(CareCategory.PHARMACY_65).amc_cents == 500


def test_already_paid_and_ceiling_reached() -> None:
    result = decide([drug("A"), drug("B"), drug("C")], ceiling=350, paid=frozenset({"A"}))
    assert [d.reason for d in result.decisions] == [
        Reason.ALREADY_PAID,
        None,
        Reason.CEILING_REACHED,
    ]
    assert result.amc_cents == 350


@given(
    st.lists(st.integers(1, 50_000), min_size=1, max_size=12),
    st.one_of(st.none(), st.integers(0, 200_000)),
    st.sets(st.integers(0, 11)),
)
def test_accepted_amounts_never_exceed_the_ceiling_or_the_remainder(
    prices: list[int], ceiling: int | None, wrong: set[int]
) -> None:
    lines = [
        drug(f"C{i}", price, claimed=0 if i in wrong else None) for i, price in enumerate(prices)
    ]
    result = decide(lines, ceiling=ceiling)
    for decision in result.decisions:
        care = decision.claimed.care
        assert 0 <= decision.amc_cents <= care.price_cents - care.amo_cents
        assert (decision.status is LineStatus.ACCEPTED) == (decision.amc_cents > 0)
        assert (decision.status is LineStatus.REJECTED) == (decision.reason is not None)
    if ceiling is not None:
        assert result.amc_cents <= ceiling
    assert result.consumption_added.of(CareCategory.PHARMACY_65).amc_cents == result.amc_cents


def test_invoice_numbers_and_lines_are_validated() -> None:
    assert validate_invoice_number(" f-2026-01 ") == "F-2026-01"
    for bad in ("", "F 1", "-F1", "F" * 21):
        with pytest.raises(InvalidInput):
            validate_invoice_number(bad)
    with pytest.raises(InvalidInput, match="once per invoice"):
        validate_lines([drug("A"), drug("A")])
    with pytest.raises(InvalidInput):
        validate_lines([])


@given(st.lists(st.integers(1, 10_000_000), min_size=1, max_size=20))
def test_every_posting_balances(amounts: list[int]) -> None:
    lines = [ledger.AcceptedLine(uuid.uuid4(), "123456789", "010000001", a) for a in amounts]
    invoice = uuid.uuid4()
    for posting in (ledger.acceptance(invoice, lines), ledger.cancellation(invoice, lines)):
        assert posting is not None
        assert sum(e.amount_cents for e in posting.entries) == 0
    total = sum(amounts)
    assert sum(e.amount_cents for e in ledger.payout(invoice, "010000001", total).entries) == 0


def test_an_unbalanced_posting_cannot_be_built() -> None:
    with pytest.raises(ledger.UnbalancedPosting):
        ledger.Posting(
            ledger.PostingKind.PAYOUT, uuid.uuid4(), (ledger.Entry(ledger.BANK_CLEARING, 1),)
        )
