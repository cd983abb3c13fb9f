"""What structures and insurers read of the payment runs: their payments, remittance
advices and settlement statements. Object-level authorisation here: a structure reads its
own, an insurer its own; invoice numbers and amounts only, nobody is named."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from rempart.audit.trail import record_action
from rempart.claims.models import InvoiceLineRow
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, ObjectKind, Permission, Target, authorize
from rempart.kernel.errors import NotFound
from rempart.payments.documents import (
    AdviceLine,
    RemittanceAdvice,
    SettlementStatement,
    StatementLine,
)
from rempart.payments.models import PaymentRunRow, PayoutRow, SettlementRow
from rempart.registry.models import InsurerRow, StructureRow
from rempart.rights.reasons import Reason
from rempart.shield.port import Shield, admit

REMITTANCE_READ = "payments:remittance:read"
STATEMENT_READ = "payments:statement:read"
NO_TRANSFER = "----"


@dataclass(frozen=True)
class PaymentSummary:
    run_id: uuid.UUID
    run_date: date
    amount_cents: int
    lines: int
    payment_reference: str
    iban_last4: str


@dataclass(frozen=True)
class SettlementSummary:
    run_id: uuid.UUID
    run_date: date
    amount_cents: int
    lines: int
    debit_reference: str


def list_payments(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, finess: str
) -> list[PaymentSummary]:
    authorize(actor, Permission.REMITTANCE_READ, Target(ObjectKind.STRUCTURE, finess))
    admit(shield, uow, actor, "payments.list", finess)
    with uow:
        rows = uow.session.execute(
            select(PayoutRow, PaymentRunRow.run_date)
            .join(PaymentRunRow, PaymentRunRow.id == PayoutRow.run_id)
            .where(PayoutRow.structure_finess == finess)
            .order_by(PaymentRunRow.run_date.desc())
            .limit(500)
        ).all()
        record_action(uow, tag=REMITTANCE_READ, actor=actor, structure=finess)
        uow.commit()
        return [
            PaymentSummary(
                payout.run_id,
                run_date,
                payout.amount_cents,
                payout.lines,
                payout.end_to_end_id,
                payout.iban_last4,
            )
            for payout, run_date in rows
        ]


def remittance_advice(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, finess: str, run_id: uuid.UUID
) -> RemittanceAdvice:
    """The lines one run paid the structure and the rejections it advised."""
    authorize(actor, Permission.REMITTANCE_READ, Target(ObjectKind.STRUCTURE, finess))
    admit(shield, uow, actor, "payments.remittance", finess)
    with uow:
        run = uow.session.get(PaymentRunRow, run_id)
        structure = uow.session.scalars(
            select(StructureRow).where(StructureRow.finess == finess)
        ).first()
        if run is None or structure is None:
            raise NotFound("no payment run has this id")
        payout = uow.session.scalars(
            select(PayoutRow).where(
                PayoutRow.run_id == run_id, PayoutRow.structure_finess == finess
            )
        ).first()
        in_run = InvoiceLineRow.advised_run_id == run_id
        if payout is not None:
            in_run = in_run | (InvoiceLineRow.payout_id == payout.id)
        lines = uow.session.scalars(
            select(InvoiceLineRow)
            .where(InvoiceLineRow.structure_finess == finess, in_run)
            .order_by(InvoiceLineRow.invoice_number, InvoiceLineRow.line_no)
        ).all()
        if payout is None and not lines:
            raise NotFound("this run paid and advised nothing to this structure")
        record_action(uow, tag=REMITTANCE_READ, actor=actor, structure=finess)
        uow.commit()
        return RemittanceAdvice(
            run_id=str(run.id),
            run_date=run.run_date,
            structure_finess=finess,
            structure_name=structure.name,
            payment_reference=payout.end_to_end_id if payout else "",
            iban_last4=payout.iban_last4 if payout else NO_TRANSFER,
            lines=tuple(_advice_line(line) for line in lines),
        )


def _advice_line(line: InvoiceLineRow) -> AdviceLine:
    reason = Reason(line.reason) if line.reason else None
    paid = line.payout_id is not None
    return AdviceLine(
        invoice_number=line.invoice_number,
        date_of_care=line.date_of_care,
        line_code=line.code,
        category=line.category,
        amc_cents=line.amc_cents if paid else 0,
        status="paid" if paid else "rejected",
        reason_code=reason.value if reason else None,
        reason_fr=reason.label_fr if reason else None,
        reason_en=reason.label_en if reason else None,
    )


def list_settlements(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, amc_number: str
) -> list[SettlementSummary]:
    authorize(actor, Permission.SETTLEMENT_READ, Target(ObjectKind.AMC, amc_number))
    admit(shield, uow, actor, "payments.settlements", None)
    with uow:
        rows = uow.session.execute(
            select(SettlementRow, PaymentRunRow.run_date)
            .join(PaymentRunRow, PaymentRunRow.id == SettlementRow.run_id)
            .where(SettlementRow.amc_number == amc_number)
            .order_by(PaymentRunRow.run_date.desc())
            .limit(500)
        ).all()
        record_action(uow, tag=STATEMENT_READ, actor=actor, target_amc=amc_number)
        uow.commit()
        return [
            SettlementSummary(s.run_id, run_date, s.amount_cents, s.lines, s.end_to_end_id)
            for s, run_date in rows
        ]


def settlement_statement(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, amc_number: str, run_id: uuid.UUID
) -> SettlementStatement:
    """What one run paid each structure on the insurer's behalf."""
    authorize(actor, Permission.SETTLEMENT_READ, Target(ObjectKind.AMC, amc_number))
    admit(shield, uow, actor, "payments.statement", None)
    with uow:
        run = uow.session.get(PaymentRunRow, run_id)
        insurer = uow.session.scalars(
            select(InsurerRow).where(InsurerRow.amc_number == amc_number)
        ).first()
        if run is None or insurer is None:
            raise NotFound("no payment run has this id")
        rows = uow.session.execute(
            select(
                PayoutRow.structure_finess,
                StructureRow.name,
                func.count(),
                func.sum(InvoiceLineRow.amc_cents),
                func.min(InvoiceLineRow.received_at),
            )
            .join(PayoutRow, PayoutRow.id == InvoiceLineRow.payout_id)
            .join(StructureRow, StructureRow.finess == PayoutRow.structure_finess)
            .where(PayoutRow.run_id == run_id, InvoiceLineRow.amc_number == amc_number)
            .group_by(PayoutRow.structure_finess, StructureRow.name)
            .order_by(PayoutRow.structure_finess)
        ).all()
        if not rows:
            raise NotFound("this run paid nothing on this insurer's behalf")
        record_action(uow, tag=STATEMENT_READ, actor=actor, target_amc=amc_number)
        uow.commit()
        return SettlementStatement(
            amc_number=amc_number,
            insurer_name=insurer.name,
            period_start=min(row[4] for row in rows).date(),
            period_end=run.run_date,
            run_id=str(run.id),
            lines=tuple(
                StatementLine(finess, name, int(count), int(total))
                for finess, name, count, total, _ in rows
            ),
        )
