"""`rempart ledger check`: the ledger's invariants, verified from the tables themselves.

1. every posting sums to zero;
2. each accepted line is owed once by its insurer and owed once to its structure (its
   line entries net to +AMC on the insurer's receivable and -AMC on the structure's
   payable); a rejected or cancelled line nets to zero; no entry cites a missing line;
3. each line is paid at most once (one payout column) and only if accepted; each payout
   equals its lines and is posted once, for its amount;
4. each settlement equals what its run paid on the insurer's behalf and is posted once.
Violations are reported by id and amount only: nothing here names a person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute

from rempart.claims.models import InvoiceLineRow
from rempart.db.uow import UnitOfWork
from rempart.payments.ledger import BANK_CLEARING, PostingKind
from rempart.payments.models import LedgerEntryRow, LedgerPostingRow, PayoutRow, SettlementRow

MAX_REPORTED = 100


@dataclass(frozen=True)
class LedgerReport:
    postings: int
    entries: int
    lines: int
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


def check_ledger(*, uow: UnitOfWork) -> LedgerReport:
    with uow:
        session = uow.session
        found: list[str] = []
        for posting_id, total in session.execute(
            select(LedgerEntryRow.posting_id, func.sum(LedgerEntryRow.amount_cents))
            .group_by(LedgerEntryRow.posting_id)
            .having(func.sum(LedgerEntryRow.amount_cents) != 0)
            .limit(MAX_REPORTED)
        ):
            found.append(f"posting {posting_id} does not balance ({int(total):+d} cents)")
        found += _line_violations(uow)
        found += _payout_violations(uow)
        found += _settlement_violations(uow)
        postings = session.scalar(select(func.count()).select_from(LedgerPostingRow)) or 0
        entries = session.scalar(select(func.count()).select_from(LedgerEntryRow)) or 0
        lines = session.scalar(select(func.count()).select_from(InvoiceLineRow)) or 0
    return LedgerReport(postings, entries, lines, tuple(found[:MAX_REPORTED]))


def _line_violations(uow: UnitOfWork) -> list[str]:
    line, entry = InvoiceLineRow, LedgerEntryRow
    receivable = literal("receivable:insurer:") + line.amc_number
    payable = literal("payable:structure:") + line.structure_finess
    owed_by_insurer = func.coalesce(
        func.sum(case((entry.account == receivable, entry.amount_cents), else_=0)), 0
    )
    owed_to_structure = func.coalesce(
        func.sum(case((entry.account == payable, entry.amount_cents), else_=0)), 0
    )
    stray = func.coalesce(
        func.sum(
            case(
                (and_(entry.id.is_not(None), entry.account.not_in([receivable, payable])), 1),
                else_=0,
            )
        ),
        0,
    )
    expected = case((line.status == "accepted", line.amc_cents), else_=0)
    rows = uow.session.execute(
        select(line.id, line.status, expected, owed_by_insurer, owed_to_structure, stray)
        .outerjoin(entry, entry.invoice_line_id == line.id)
        .group_by(line.id, line.status, line.amc_cents, line.amc_number, line.structure_finess)
        .having((owed_by_insurer != expected) | (owed_to_structure != -expected) | (stray != 0))
        .limit(MAX_REPORTED)
    ).all()
    found = [
        f"line {line_id} ({status}, {due} cents) is owed {int(by):+d} by its insurer and "
        f"{int(to):+d} to its structure, with {int(other)} stray entries"
        for line_id, status, due, by, to, other in rows
    ]
    orphans = uow.session.scalars(
        select(entry.invoice_line_id)
        .outerjoin(line, line.id == entry.invoice_line_id)
        .where(entry.invoice_line_id.is_not(None), line.id.is_(None))
        .limit(MAX_REPORTED)
    ).all()
    found += [f"entries cite line {line_id}, which does not exist" for line_id in orphans]
    unpaid_payouts = uow.session.scalars(
        select(line.id)
        .where(line.payout_id.is_not(None), line.status != "accepted")
        .limit(MAX_REPORTED)
    ).all()
    found += [f"line {line_id} was paid but is not accepted" for line_id in unpaid_payouts]
    return found


def _payout_violations(uow: UnitOfWork) -> list[str]:
    line = InvoiceLineRow
    paid = (
        select(
            line.payout_id.label("payout_id"),
            func.sum(line.amc_cents).label("total"),
            func.count().label("lines"),
        )
        .where(line.payout_id.is_not(None))
        .group_by(line.payout_id)
        .subquery()
    )
    found = [
        f"payout {payout_id} of {amount} cents for {count} lines has lines worth "
        f"{total} cents ({lines} lines)"
        for payout_id, amount, count, total, lines in uow.session.execute(
            select(
                PayoutRow.id, PayoutRow.amount_cents, PayoutRow.lines, paid.c.total, paid.c.lines
            )
            .outerjoin(paid, paid.c.payout_id == PayoutRow.id)
            .where(
                (paid.c.total.is_(None))
                | (paid.c.total != PayoutRow.amount_cents)
                | (paid.c.lines != PayoutRow.lines)
            )
            .limit(MAX_REPORTED)
        )
    ]
    found += _posted_once(uow, PostingKind.PAYOUT, PayoutRow.id, PayoutRow.amount_cents)
    return found


def _settlement_violations(uow: UnitOfWork) -> list[str]:
    line = InvoiceLineRow
    owed = (
        select(
            PayoutRow.run_id.label("run_id"),
            line.amc_number.label("amc_number"),
            func.sum(line.amc_cents).label("total"),
        )
        .join(PayoutRow, PayoutRow.id == line.payout_id)
        .group_by(PayoutRow.run_id, line.amc_number)
        .subquery()
    )
    found = [
        f"settlement {settlement_id} of {amount} cents; its run paid {total} cents"
        for settlement_id, amount, total in uow.session.execute(
            select(SettlementRow.id, SettlementRow.amount_cents, owed.c.total)
            .outerjoin(
                owed,
                and_(
                    owed.c.run_id == SettlementRow.run_id,
                    owed.c.amc_number == SettlementRow.amc_number,
                ),
            )
            .where(owed.c.total.is_(None) | (owed.c.total != SettlementRow.amount_cents))
            .limit(MAX_REPORTED)
        )
    ]
    found += _posted_once(uow, PostingKind.SETTLEMENT, SettlementRow.id, SettlementRow.amount_cents)
    return found


def _posted_once(
    uow: UnitOfWork,
    kind: PostingKind,
    id_column: InstrumentedAttribute[uuid.UUID],
    amount_column: InstrumentedAttribute[int],
) -> list[str]:
    """Each payout (settlement) has exactly one posting of its kind, moving its amount
    through the bank clearing account."""
    posting, entry = LedgerPostingRow, LedgerEntryRow
    posted = (
        select(
            posting.reference_id.label("reference_id"),
            func.count(func.distinct(posting.id)).label("postings"),
            func.sum(
                case((entry.account == BANK_CLEARING, func.abs(entry.amount_cents)), else_=0)
            ).label("moved"),
        )
        .join(entry, entry.posting_id == posting.id)
        .where(posting.kind == kind.value)
        .group_by(posting.reference_id)
        .subquery()
    )
    return [
        f"{kind} {reference} of {amount} cents is posted {count or 0} times "
        f"({moved or 0} cents through the bank)"
        for reference, amount, count, moved in uow.session.execute(
            select(id_column, amount_column, posted.c.postings, posted.c.moved)
            .outerjoin(posted, posted.c.reference_id == id_column)
            .where(
                posted.c.postings.is_(None)
                | (posted.c.postings != 1)
                | (posted.c.moved != amount_column)
            )
            .limit(MAX_REPORTED)
        )
    ]
