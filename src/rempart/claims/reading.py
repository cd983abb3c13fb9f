"""Professionals read their own structure's invoices (object-level authorisation: another
structure's invoice is "not found")."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rempart.audit.domain import Category
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.claims.domain import ClaimsTag, InvoiceStatus, LineStatus
from rempart.claims.models import InvoiceLineRow, InvoiceRow
from rempart.claims.receipts import InvoiceReceipt, LineReceipt
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, ObjectKind, Permission, Target, allows
from rempart.kernel.errors import NotFound
from rempart.rights.reasons import Reason
from rempart.rights.service import acting_structure
from rempart.shield.port import Shield, admit

PAGE = 200


@dataclass(frozen=True)
class InvoiceSummary:
    invoice_id: uuid.UUID
    invoice_number: str
    date_of_care: date
    received_at: datetime
    status: InvoiceStatus
    amc_cents: int


@dataclass(frozen=True)
class InvoiceDetail:
    receipt: InvoiceReceipt
    date_of_care: date
    received_at: datetime
    paid_lines: int


def receipt_of(invoice: InvoiceRow, lines: Sequence[InvoiceLineRow]) -> InvoiceReceipt:
    return InvoiceReceipt(
        invoice_id=invoice.id,
        invoice_number=invoice.invoice_number,
        status=InvoiceStatus(invoice.status),
        reason=Reason(invoice.reason) if invoice.reason else None,
        amc_cents=invoice.amc_cents,
        lines=tuple(
            LineReceipt(
                line_no=line.line_no,
                code=line.code,
                status=LineStatus(line.status),
                reason=Reason(line.reason) if line.reason else None,
                amc_cents=line.amc_cents,
                rule=line.rule,
                near_duplicate=line.near_duplicate,
            )
            for line in lines
        ),
    )


def list_invoices(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    structure: str | None = None,
    received_before: datetime | None = None,
) -> list[InvoiceSummary]:
    """The structure's invoices, newest first, a page at a time (`received_before` is
    the last one seen). Invoice numbers and amounts only: nobody is named."""
    finess = acting_structure(actor, Permission.INVOICE_READ, structure)
    admit(shield, uow, actor, "claims.list", finess)
    with uow:
        query = select(InvoiceRow).where(InvoiceRow.structure_finess == finess)
        if received_before is not None:
            query = query.where(InvoiceRow.received_at < received_before)
        rows = uow.session.scalars(query.order_by(InvoiceRow.received_at.desc()).limit(PAGE))
        summaries = [
            InvoiceSummary(
                row.id,
                row.invoice_number,
                row.date_of_care,
                row.received_at,
                InvoiceStatus(row.status),
                row.amc_cents,
            )
            for row in rows
        ]
        record_action(uow, tag=ClaimsTag.INVOICE_READ, actor=actor, structure=finess)
        uow.commit()
    return summaries


def own_invoice(
    uow: UnitOfWork, actor: Actor, permission: Permission, invoice_id: uuid.UUID
) -> tuple[InvoiceRow, list[InvoiceLineRow]]:
    """The invoice and its lines, if the actor's structure sent it: another structure's
    invoice does not exist for this caller (404, never 403)."""
    invoice = uow.session.get(InvoiceRow, invoice_id)
    if invoice is None or not allows(
        actor, permission, Target(ObjectKind.STRUCTURE, invoice.structure_finess)
    ):
        raise NotFound("no invoice of your structure has this id")
    lines = uow.session.scalars(
        select(InvoiceLineRow)
        .where(InvoiceLineRow.invoice_id == invoice.id)
        .order_by(InvoiceLineRow.line_no)
    )
    return invoice, list(lines)


def invoice_target(uow: UnitOfWork, invoice: InvoiceRow) -> str | None:
    """The audit pseudonym of the invoice's beneficiary, when it named one."""
    if invoice.beneficiary_id is None:
        return None
    return pseudonymise_target(uow.vault, BENEFICIARY, str(invoice.beneficiary_id))


def read_invoice(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, invoice_id: uuid.UUID
) -> InvoiceDetail:
    admit(shield, uow, actor, "claims.read", None)
    with uow:
        invoice, lines = own_invoice(uow, actor, Permission.INVOICE_READ, invoice_id)
        record_action(
            uow,
            tag=ClaimsTag.INVOICE_READ,
            actor=actor,
            structure=invoice.structure_finess,
            target_pseudonym=invoice_target(uow, invoice),
            target_amc=invoice.amc_number or None,
            categories={Category.INVOICES},
        )
        detail = InvoiceDetail(
            receipt_of(invoice, lines),
            invoice.date_of_care,
            invoice.received_at,
            sum(line.payout_id is not None for line in lines),
        )
        uow.commit()
    return detail
