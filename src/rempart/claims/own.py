"""What the AMC paid for an insured person's own care: their invoices, as the insured
may know them (where, when, how much, paid or still to be paid), never another
beneficiary's. Read through the shield and on record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from rempart.audit.domain import Category
from rempart.audit.recorder import BENEFICIARY, pseudonymise_target
from rempart.audit.trail import record_action
from rempart.claims.domain import ClaimsTag, InvoiceStatus, LineStatus
from rempart.claims.models import InvoiceLineRow, InvoiceRow
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.payments.models import PaymentRunRow, PayoutRow
from rempart.registry.models import StructureRow
from rempart.rights.own import own_beneficiary
from rempart.shield.port import Shield, admit

PAGE = 200


@dataclass(frozen=True)
class OwnInvoice:
    date_of_care: date
    structure_name: str
    structure_kind: str
    price_cents: int
    amo_paid_cents: int
    amc_cents: int
    patient_cents: int
    lines: int
    paid_lines: int
    paid_on: date | None  # the last payment run that paid one of its lines

    @property
    def paid(self) -> bool:
        return self.paid_lines == self.lines


def list_own_invoices(*, uow: UnitOfWork, actor: Actor, shield: Shield) -> list[OwnInvoice]:
    """Invoices with lines the AMC accepted for the person's own record, newest care
    first (200 at most). Rejected and cancelled lines are left out: nothing was paid."""
    beneficiary_id = own_beneficiary(actor, Permission.OWN_INVOICES_READ)
    admit(shield, uow, actor, "claims.own", None)
    line = InvoiceLineRow
    with uow:
        rows = uow.session.execute(
            select(
                InvoiceRow.date_of_care,
                StructureRow.name,
                StructureRow.kind,
                func.sum(line.price_cents),
                func.sum(line.amo_paid_cents),
                func.sum(line.amc_cents),
                func.sum(line.patient_cents),
                func.count(line.id),
                func.count(line.payout_id),
                func.max(PaymentRunRow.run_date),
            )
            .join(InvoiceRow, InvoiceRow.id == line.invoice_id)
            .join(StructureRow, StructureRow.finess == InvoiceRow.structure_finess)
            .outerjoin(PayoutRow, PayoutRow.id == line.payout_id)
            .outerjoin(PaymentRunRow, PaymentRunRow.id == PayoutRow.run_id)
            .where(
                line.beneficiary_id == beneficiary_id,
                line.status == LineStatus.ACCEPTED.value,
                InvoiceRow.status != InvoiceStatus.CANCELLED.value,
            )
            .group_by(InvoiceRow.id, InvoiceRow.date_of_care, StructureRow.name, StructureRow.kind)
            .order_by(InvoiceRow.date_of_care.desc(), InvoiceRow.id)
            .limit(PAGE)
        ).all()
        record_action(
            uow,
            tag=ClaimsTag.OWN_INVOICES_READ,
            actor=actor,
            target_pseudonym=pseudonymise_target(uow.vault, BENEFICIARY, str(beneficiary_id)),
            categories={Category.INVOICES},
        )
        uow.commit()
    return [
        OwnInvoice(
            day, name, kind, int(price), int(amo), int(amc), int(patient), count, paid, paid_on
        )
        for day, name, kind, price, amo, amc, patient, count, paid, paid_on in rows
    ]
