"""The double-entry ledger's rules, pure. Integer cents; debits positive, credits
negative; every posting sums to zero.

Accounts:
- `receivable:insurer:<AMC>`: what an insurer owes for the lines accepted on its behalf;
- `payable:structure:<FINESS>`: what the platform owes a structure;
- `bank:clearing`: money in transit through the operator's bank account;
- `suspense`: what cannot be placed yet (kept for corrections, never used silently).

The life of one accepted line of X cents:
  accepted   Dr receivable:insurer X / Cr payable:structure X   (per line)
  paid       Dr payable:structure  S / Cr bank:clearing S        (per payout, S = its lines)
  settled    Dr bank:clearing      D / Cr receivable:insurer D   (per insurer debit)
  cancelled  the acceptance reversed, per line
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

BANK_CLEARING = "bank:clearing"
SUSPENSE = "suspense"


def receivable(amc_number: str) -> str:
    return f"receivable:insurer:{amc_number}"


def payable(finess: str) -> str:
    return f"payable:structure:{finess}"


class PostingKind(StrEnum):
    ACCEPTANCE = "acceptance"
    CANCELLATION = "cancellation"
    PAYOUT = "payout"
    SETTLEMENT = "settlement"


class UnbalancedPosting(ValueError):
    """A posting whose entries do not sum to zero: a programming error, never stored."""


@dataclass(frozen=True, slots=True)
class Entry:
    account: str
    amount_cents: int  # debit > 0, credit < 0
    invoice_line_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Posting:
    kind: PostingKind
    reference_id: uuid.UUID  # the invoice, payout or settlement it records
    entries: tuple[Entry, ...]

    def __post_init__(self) -> None:
        if not self.entries:
            raise UnbalancedPosting("a posting has entries")
        if sum(e.amount_cents for e in self.entries) != 0:
            raise UnbalancedPosting(f"{self.kind} posting does not balance")
        if any(e.amount_cents == 0 for e in self.entries):
            raise UnbalancedPosting("an entry of zero records nothing")


@dataclass(frozen=True, slots=True)
class AcceptedLine:
    line_id: uuid.UUID
    amc_number: str
    structure_finess: str
    amc_cents: int


def acceptance(invoice_id: uuid.UUID, lines: Sequence[AcceptedLine]) -> Posting | None:
    """The insurer owes, the platform owes the structure: one pair per accepted line."""
    entries = tuple(
        entry
        for line in lines
        if line.amc_cents > 0
        for entry in (
            Entry(receivable(line.amc_number), line.amc_cents, line.line_id),
            Entry(payable(line.structure_finess), -line.amc_cents, line.line_id),
        )
    )
    return Posting(PostingKind.ACCEPTANCE, invoice_id, entries) if entries else None


def cancellation(invoice_id: uuid.UUID, lines: Sequence[AcceptedLine]) -> Posting | None:
    """The acceptance reversed line by line."""
    entries = tuple(
        entry
        for line in lines
        if line.amc_cents > 0
        for entry in (
            Entry(receivable(line.amc_number), -line.amc_cents, line.line_id),
            Entry(payable(line.structure_finess), line.amc_cents, line.line_id),
        )
    )
    return Posting(PostingKind.CANCELLATION, invoice_id, entries) if entries else None


def payout(payout_id: uuid.UUID, finess: str, amount_cents: int) -> Posting:
    return Posting(
        PostingKind.PAYOUT,
        payout_id,
        (Entry(payable(finess), amount_cents), Entry(BANK_CLEARING, -amount_cents)),
    )


def settlement(settlement_id: uuid.UUID, amc_number: str, amount_cents: int) -> Posting:
    return Posting(
        PostingKind.SETTLEMENT,
        settlement_id,
        (Entry(BANK_CLEARING, amount_cents), Entry(receivable(amc_number), -amount_cents)),
    )
