"""Payments, remittance advices (JSON, CSV, PDF) for structures and their software;
settlement statements for insurers."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from rempart.deps import PlatformDep, ShieldDep, own_insurer, permitted, serving
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.identifiers import parse_finess
from rempart.payments import reading
from rempart.payments.documents import (
    RemittanceAdvice,
    SettlementStatement,
    advice_csv,
    advice_pdf,
    statement_csv,
    statement_pdf,
)

router = APIRouter(prefix="/api/v1", tags=["payments"])
RemittanceReader = Annotated[Actor, Depends(serving(Permission.REMITTANCE_READ))]
OwnInsurer = Annotated[str, Depends(own_insurer(Permission.SETTLEMENT_READ))]
StatementReader = Annotated[Actor, Depends(permitted(Permission.SETTLEMENT_READ))]


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


class PaymentOut(BaseModel):
    run_id: uuid.UUID
    run_date: date
    amount_cents: int
    lines: int
    payment_reference: str
    iban_last4: str


class AdviceLineOut(BaseModel):
    invoice_number: str
    date_of_care: date
    line_code: str
    category: str
    amc_cents: int
    status: str
    reason_code: str | None
    reason_fr: str | None
    reason_en: str | None


class RemittanceOut(BaseModel):
    run_id: str
    run_date: date
    structure_finess: str
    structure_name: str
    payment_reference: str
    iban_last4: str
    paid_cents: int
    paid_count: int
    rejected_count: int
    lines: list[AdviceLineOut]


class SettlementOut(BaseModel):
    run_id: uuid.UUID
    run_date: date
    amount_cents: int
    lines: int
    debit_reference: str


class StatementLineOut(BaseModel):
    structure_finess: str
    structure_name: str
    lines: int
    amc_cents: int


class StatementOut(BaseModel):
    amc_number: str
    insurer_name: str
    period_start: date
    period_end: date
    run_id: str
    total_cents: int
    total_lines: int
    lines: list[StatementLineOut]


FormatQuery = Annotated[Format, Query(description="json (default), csv or pdf")]


def _download(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        content=data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/structures/{finess}/payments")
def payments(
    finess: str, actor: RemittanceReader, platform: PlatformDep, shield: ShieldDep
) -> list[PaymentOut]:
    """The structure's transfers, newest first (the IBAN's last 4 characters only)."""
    return [
        PaymentOut(**asdict(payment))
        for payment in reading.list_payments(
            uow=platform.uow(), actor=actor, shield=shield, finess=parse_finess(finess)
        )
    ]


@router.get("/structures/{finess}/remittances/{run_id}", response_model=None)
def remittance(
    finess: str,
    run_id: uuid.UUID,
    actor: RemittanceReader,
    platform: PlatformDep,
    shield: ShieldDep,
    format: FormatQuery = Format.JSON,
) -> RemittanceOut | Response:
    """The lines one run paid and the rejections it advised, with their reason codes."""
    advice = reading.remittance_advice(
        uow=platform.uow(), actor=actor, shield=shield, finess=parse_finess(finess), run_id=run_id
    )
    name = f"avis-de-paiement-{advice.structure_finess}-{advice.run_date}"
    if format is Format.CSV:
        return _download(advice_csv(advice), "text/csv; charset=utf-8", f"{name}.csv")
    if format is Format.PDF:
        return _download(advice_pdf(advice), "application/pdf", f"{name}.pdf")
    return _remittance_out(advice)


def _remittance_out(advice: RemittanceAdvice) -> RemittanceOut:
    return RemittanceOut(
        run_id=advice.run_id,
        run_date=advice.run_date,
        structure_finess=advice.structure_finess,
        structure_name=advice.structure_name,
        payment_reference=advice.payment_reference,
        iban_last4=advice.iban_last4,
        paid_cents=advice.paid_cents,
        paid_count=advice.paid_count,
        rejected_count=advice.rejected_count,
        lines=[AdviceLineOut(**asdict(line)) for line in advice.lines],
    )


@router.get("/insurers/{amc_number}/statements")
def settlements(
    amc_number: OwnInsurer, actor: StatementReader, platform: PlatformDep, shield: ShieldDep
) -> list[SettlementOut]:
    """What each run debited the insurer, newest first."""
    return [
        SettlementOut(**asdict(summary))
        for summary in reading.list_settlements(
            uow=platform.uow(), actor=actor, shield=shield, amc_number=amc_number
        )
    ]


@router.get("/insurers/{amc_number}/statements/{run_id}", response_model=None)
def statement(
    amc_number: OwnInsurer,
    run_id: uuid.UUID,
    actor: StatementReader,
    platform: PlatformDep,
    shield: ShieldDep,
    format: FormatQuery = Format.JSON,
) -> StatementOut | Response:
    """What one run paid each structure on the insurer's behalf."""
    found = reading.settlement_statement(
        uow=platform.uow(), actor=actor, shield=shield, amc_number=amc_number, run_id=run_id
    )
    name = f"releve-{found.amc_number}-{found.period_end}"
    if format is Format.CSV:
        return _download(statement_csv(found), "text/csv; charset=utf-8", f"{name}.csv")
    if format is Format.PDF:
        return _download(statement_pdf(found), "application/pdf", f"{name}.pdf")
    return _statement_out(found)


def _statement_out(found: SettlementStatement) -> StatementOut:
    return StatementOut(
        amc_number=found.amc_number,
        insurer_name=found.insurer_name,
        period_start=found.period_start,
        period_end=found.period_end,
        run_id=found.run_id,
        total_cents=found.total_cents,
        total_lines=found.total_lines,
        lines=[StatementLineOut(**asdict(line)) for line in found.lines],
    )
