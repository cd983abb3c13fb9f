"""Writing postings: one posting row and its entries, in the caller's unit of work."""

from __future__ import annotations

from rempart.db.base import table_of
from rempart.db.bulk import insert_many
from rempart.db.uow import UnitOfWork
from rempart.kernel.ids import new_id
from rempart.payments.ledger import Posting
from rempart.payments.models import LedgerEntryRow, LedgerPostingRow

_POSTINGS, _ENTRIES = table_of(LedgerPostingRow), table_of(LedgerEntryRow)


def post(uow: UnitOfWork, posting: Posting) -> None:
    """Plain inserts on the driver (an invoice posts two entries a line; ORM objects, or
    Core's execution of each statement, would cost more than the adjudication). The
    posting balanced when it was built."""
    posting_id = new_id()
    connection = uow.connection()
    insert_many(
        connection,
        _POSTINGS,
        [
            {
                "id": posting_id,
                "kind": posting.kind.value,
                "reference_id": posting.reference_id,
                "posted_at": uow.clock.now(),
            }
        ],
    )
    insert_many(
        connection,
        _ENTRIES,
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
