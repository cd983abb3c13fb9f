"""Withdrawing an invoice sent by mistake: before it is paid, within the window.

Everything the invoice recorded is undone in one transaction: its accepted lines become
cancelled (freeing "already paid" for a corrected invoice), the consumption of ceilings is
given back and the ledger posts the acceptance's reversal, line by line."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from rempart.audit.domain import Category
from rempart.audit.trail import record_action
from rempart.claims.domain import ClaimsTag, InvoiceStatus, LineStatus, may_cancel
from rempart.claims.models import InvoiceLineRow
from rempart.claims.reading import invoice_target, own_invoice, receipt_of
from rempart.claims.receipts import InvoiceReceipt
from rempart.claims.repository import give_back_consumption, lock_beneficiary
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import Conflict, Forbidden
from rempart.payments import ledger
from rempart.payments.journal import post
from rempart.shield.port import Shield, admit


def cancel_invoice(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, invoice_id: uuid.UUID
) -> InvoiceReceipt:
    admit(shield, uow, actor, "claims.cancellation", None)
    with uow:
        invoice, lines = own_invoice(uow, actor, Permission.INVOICE_SUBMIT, invoice_id)
        if invoice.status == InvoiceStatus.CANCELLED:
            raise Conflict("the invoice is already cancelled")
        if invoice.beneficiary_id is not None:
            lock_beneficiary(uow.connection(), invoice.beneficiary_id)
        paid = any(line.payout_id is not None for line in lines)
        if not may_cancel(received_at=invoice.received_at, now=uow.clock.now(), paid=paid):
            raise Forbidden(
                "an invoice can be cancelled within 24 hours of receipt and before payment"
            )
        accepted = [line for line in lines if line.status == LineStatus.ACCEPTED]
        if accepted:
            # Guarded, and first: a payment run or a concurrent cancellation may have
            # taken a line since it was read; then nothing below is done.
            taken = uow.session.execute(
                update(InvoiceLineRow)
                .where(
                    InvoiceLineRow.id.in_([line.id for line in accepted]),
                    InvoiceLineRow.status == LineStatus.ACCEPTED.value,
                    InvoiceLineRow.payout_id.is_(None),
                )
                .values(status=LineStatus.CANCELLED.value)
                .execution_options(synchronize_session="fetch")
            ).rowcount  # type: ignore[attr-defined]
            if taken != len(accepted):
                raise Conflict("the invoice was paid or cancelled meanwhile")
        if invoice.beneficiary_id is not None and accepted:
            give_back_consumption(
                uow.session, invoice.beneficiary_id, invoice.date_of_care.year, accepted
            )
        posting = ledger.cancellation(
            invoice.id,
            [
                ledger.AcceptedLine(line.id, line.amc_number, line.structure_finess, line.amc_cents)
                for line in accepted
            ],
        )
        if posting is not None:
            post(uow, posting)
        invoice.status = InvoiceStatus.CANCELLED
        invoice.cancelled_at = uow.clock.now()
        record_action(
            uow,
            tag=ClaimsTag.INVOICE_CANCELLED,
            actor=actor,
            structure=invoice.structure_finess,
            target_pseudonym=invoice_target(uow, invoice),
            target_amc=invoice.amc_number or None,
            categories={Category.INVOICES},
        )
        uow.session.flush()
        receipt = receipt_of(invoice, lines)
        uow.commit()
    return receipt
