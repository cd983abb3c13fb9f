"""Writing postings: one posting row and its entries, in the caller's unit of work."""

from __future__ import annotations

from sqlalchemy import insert

from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.kernel.ids import new_id
from rempart.payments.ledger import Posting
from rempart.payments.models import LedgerEntryRow, LedgerPostingRow

_POSTING = insert(table_of(LedgerPostingRow))
_ENTRY = insert(table_of(LedgerEntryRow))


def post(uow: UnitOfWork, posting: Posting) -> None:
    """Plain inserts (an invoice posts two entries a line; ORM objects would cost more
    than the adjudication). The posting balanced when it was built."""
    posting_id = new_id()
    uow.session.execute(
        _POSTING,
        {
            "id": posting_id,
            "kind": posting.kind.value,
            "reference_id": posting.reference_id,
            "posted_at": uow.clock.now(),
        },
    )
    uow.session.execute(
        _ENTRY,
        [
            {
                "posting_id": posting_id,
                "account": entry.account,
                "amount_cents": entry.amount_cents,
                "invoice_line_id": entry.invoice_line_id,
            }
            for entry in posting.entries
        ],
    )
