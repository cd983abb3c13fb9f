"""Invoices (DRE) for pharmacy software and professionals: submit with an
Idempotency-Key, read one's own structure's invoices, cancel within the window."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from rempart.claims import cancellation, reading, service
from rempart.claims.domain import MAX_LINES, ClaimedLine, InvoiceStatus, LineStatus
from rempart.claims.receipts import InvoiceReceipt
from rempart.claims.requests import CardData, InvoiceSubmission
from rempart.deps import PlatformDep, ShieldDep, database_work, platform_of, serving, shield_of
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import InvalidInput
from rempart.kernel.plain import plain
from rempart.rights.api import CardIn, CareLineIn
from rempart.rights.domain import CareLine
from rempart.rights.reasons import Reason

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"])
JSON = "application/json"
Submitter = Annotated[Actor, Depends(serving(Permission.INVOICE_SUBMIT))]
Reader = Annotated[Actor, Depends(serving(Permission.INVOICE_READ))]


class InvoiceLineIn(CareLineIn):
    amc_claimed_cents: int | None = Field(
        default=None, ge=0, le=100_000_000, description="The AMC share the software computed"
    )


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_number: str = Field(min_length=1, max_length=20)
    date_of_care: date
    card: CardIn | None = None
    accreditation_id: uuid.UUID | None = None
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=MAX_LINES)
    structure: str | None = Field(
        default=None, description="The FINESS acted for, when the account has several"
    )


class LineDecisionOut(BaseModel):
    line_no: int
    code: str
    status: LineStatus
    reason: Reason | None
    amc_cents: int
    rule: str | None
    near_duplicate: bool


class InvoiceReceiptOut(BaseModel):
    invoice_id: uuid.UUID
    invoice_number: str
    status: InvoiceStatus
    reason: Reason | None
    amc_cents: int
    lines: list[LineDecisionOut]


class InvoiceSummaryOut(BaseModel):
    invoice_id: uuid.UUID
    invoice_number: str
    date_of_care: date
    received_at: datetime
    status: InvoiceStatus
    amc_cents: int


class InvoiceDetailOut(InvoiceReceiptOut):
    date_of_care: date
    received_at: datetime
    paid_lines: int


def _out(receipt: InvoiceReceipt) -> InvoiceReceiptOut:
    return InvoiceReceiptOut(
        invoice_id=receipt.invoice_id,
        invoice_number=receipt.invoice_number,
        status=receipt.status,
        reason=receipt.reason,
        amc_cents=receipt.amc_cents,
        lines=[LineDecisionOut(**plain(line)) for line in receipt.lines],
    )


# Pharmacies' second busiest call: the intake runs through `database_work` (on the
# embedded database, on the event loop, without a thread hop), the platform and the
# shield taken from the request, and the receipt serialised here, as the rights check
# does all three (rights.api).
@router.post("", status_code=status.HTTP_201_CREATED, response_model=InvoiceReceiptOut)
async def submit(
    body: InvoiceIn,
    actor: Submitter,
    http: Request,
    idempotency_key: Annotated[
        str, Header(alias="Idempotency-Key", description="Resending with it creates nothing")
    ],
) -> Response:
    """Each line accepted for the AMC share, or rejected with a reason code
    (docs/api/invoices.md). The same key and body answer the same, creating nothing."""
    card = body.card
    intake = partial(
        service.submit_invoice,
        uow=platform_of(http).uow(),
        actor=actor,
        shield=shield_of(http),
        idempotency_key=idempotency_key,
        submission=InvoiceSubmission(
            invoice_number=body.invoice_number,
            date_of_care=body.date_of_care,
            lines=tuple(
                ClaimedLine(
                    CareLine(**line.model_dump(exclude={"amc_claimed_cents"})),
                    line.amc_claimed_cents,
                )
                for line in body.lines
            ),
            card=CardData(**card.model_dump()) if card else None,
            accreditation_id=body.accreditation_id,
            structure=body.structure,
        ),
    )
    receipt = _out(await database_work(http, intake))
    return Response(receipt.model_dump_json(), status_code=status.HTTP_201_CREATED, media_type=JSON)


@router.get("")
def list_own(
    actor: Reader,
    platform: PlatformDep,
    shield: ShieldDep,
    structure: Annotated[str | None, Query()] = None,
    received_before: Annotated[datetime | None, Query(description="Next page")] = None,
) -> list[InvoiceSummaryOut]:
    """The structure's invoices, newest first, 200 a page."""
    if received_before is not None and received_before.tzinfo is None:
        raise InvalidInput("received_before needs a UTC offset", field="received_before")
    return [
        InvoiceSummaryOut(**asdict(summary))
        for summary in reading.list_invoices(
            uow=platform.uow(),
            actor=actor,
            shield=shield,
            structure=structure,
            received_before=received_before,
        )
    ]


@router.get("/{invoice_id}")
def read(
    invoice_id: uuid.UUID, actor: Reader, platform: PlatformDep, shield: ShieldDep
) -> InvoiceDetailOut:
    detail = reading.read_invoice(
        uow=platform.uow(), actor=actor, shield=shield, invoice_id=invoice_id
    )
    return InvoiceDetailOut(
        **_out(detail.receipt).model_dump(),
        date_of_care=detail.date_of_care,
        received_at=detail.received_at,
        paid_lines=detail.paid_lines,
    )


@router.post("/{invoice_id}/cancellation")
def cancel(
    invoice_id: uuid.UUID, actor: Submitter, platform: PlatformDep, shield: ShieldDep
) -> InvoiceReceiptOut:
    """Withdraw an invoice within 24 hours of receipt, before it is paid."""
    return _out(
        cancellation.cancel_invoice(
            uow=platform.uow(), actor=actor, shield=shield, invoice_id=invoice_id
        )
    )
