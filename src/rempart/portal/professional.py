"""The professional's pages: the rights check (card fields or an attestation code), its
answer with guarantees and accreditation, the coverage simulation, invoices and their
status, payments with their remittance advices, for the structure the person acts for.

Each page calls the use case the JSON API calls (same authorisation, shield and audit
record); nothing here lists or searches beneficiaries, and no answer names anyone."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from rempart.claims import cancellation, reading, service
from rempart.claims.domain import ClaimedLine
from rempart.claims.requests import CardData, InvoiceSubmission
from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity import client_step_up
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import InvalidInput
from rempart.payments import reading as payments
from rempart.portal import forms
from rempart.portal.charts import per_hour
from rempart.portal.forms import CARE_CATEGORIES, FormDep, TypedLine
from rempart.portal.rendering import PageRoute, render
from rempart.registry.domain import CareCategory
from rempart.rights import service as rights
from rempart.rights.domain import PHARMACY_AMO_RATE_BP
from rempart.rights.requests import RightsCheckRequest

router = APIRouter(prefix="/pro", route_class=PageRoute, include_in_schema=False)
Checker = Annotated[Actor, Depends(permitted(Permission.RIGHTS_CHECK))]
Calculator = Annotated[Actor, Depends(permitted(Permission.RIGHTS_CALCULATION))]
Submitter = Annotated[Actor, Depends(permitted(Permission.INVOICE_SUBMIT))]
Reader = Annotated[Actor, Depends(permitted(Permission.INVOICE_READ))]
RemittanceReader = Annotated[Actor, Depends(permitted(Permission.REMITTANCE_READ))]
SoftwareConfirmer = Annotated[Actor, Depends(permitted(Permission.CLIENT_STEP_UP_CONFIRM))]
# The second form's answer to "asked from another network": confirm all the same.
ELSEWHERE_ACCEPTED = "accepted"
# Confirming software is a step-up in itself: the person's own factor, presented lately.
SteppedUpConfirmer = Annotated[
    Actor, Depends(permitted(Permission.CLIENT_STEP_UP_CONFIRM, step_up=True))
]
StructureQuery = Annotated[str | None, Query(max_length=9)]

# A first line to start from: a box of a drug reimbursed at 65%.
SAMPLE_LINE = TypedLine("pharmacy_65", "3400930000001", "1", "10,00", "10,00", "65", "", "")
BLANK_LINE = TypedLine("pharmacy_65", "", "1", "", "", "", "", "")
DEFAULT_CATEGORIES = frozenset({CareCategory.PHARMACY_65})


def idempotency_key() -> str:
    """A fresh key per rendered form: sending the same form twice creates one invoice."""
    return f"portal-{uuid.uuid4()}"


def _common(actor: Actor) -> dict[str, Any]:
    return {"structures": sorted(actor.structures), "care_categories": CARE_CATEGORIES}


@router.get("", response_class=HTMLResponse)
def rights_page(request: Request, actor: Checker, platform: PlatformDep) -> HTMLResponse:
    return render(
        request,
        "pro/rights.html",
        actor=actor,
        today=platform.clock.today(),
        chosen=DEFAULT_CATEGORIES,
        **_common(actor),
    )


@router.post("/rights-check", response_class=HTMLResponse)
def rights_check(
    request: Request, actor: Checker, platform: PlatformDep, shield: ShieldDep, form: FormDep
) -> HTMLResponse:
    card = forms.card(form)
    if card is None:
        raise InvalidInput("type the card fields or scan the attestation code", field="insured_nir")
    date_of_care = forms.day(form, "date_of_care")
    answer = rights.check_rights(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        request=RightsCheckRequest(
            insured_nir=card.insured_nir,
            birth_date=card.birth_date,
            birth_rank=card.birth_rank,
            amc_number=card.amc_number,
            member_number=card.member_number,
            agreement_type=card.agreement_type,
            date_of_care=date_of_care,
            categories=forms.categories(form),
            structure=forms.structure(form),
        ),
    )
    covered = [g.category for g in answer.guarantees]
    first = (
        CareCategory.PHARMACY_65
        if CareCategory.PHARMACY_65 in covered
        else next(iter(covered), CareCategory.PHARMACY_65)
    )
    rate = PHARMACY_AMO_RATE_BP.get(first)
    sample = replace(
        SAMPLE_LINE,
        category=first.value,
        amo_rate="" if rate is None else str(rate // 100),
    )
    return render(
        request,
        "pro/partials/rights_answer.html",
        actor=actor,
        answer=answer,
        date_of_care=date_of_care,
        structure=forms.structure(form) or "",
        lines=[sample, BLANK_LINE],
        **_common(actor),
    )


@router.post("/simulation", response_class=HTMLResponse)
def simulation(
    request: Request, actor: Calculator, platform: PlatformDep, shield: ShieldDep, form: FormDep
) -> HTMLResponse:
    coverage = rights.simulate_coverage(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        accreditation_id=forms.identifier(form, "accreditation_id"),
        lines=forms.care_lines(form),
        structure=forms.structure(form),
    )
    return render(
        request,
        "pro/partials/simulation.html",
        actor=actor,
        coverage=coverage,
        accreditation_id=form.get("accreditation_id"),
        date_of_care=form.get("date_of_care"),
        structure=forms.structure(form) or "",
        typed=forms.typed_lines(form),
        key=idempotency_key(),
        **_common(actor),
    )


@router.get("/invoices", response_class=HTMLResponse)
def invoices_page(
    request: Request,
    actor: Reader,
    platform: PlatformDep,
    shield: ShieldDep,
    structure: StructureQuery = None,
) -> HTMLResponse:
    invoices = reading.list_invoices(
        uow=platform.uow(), actor=actor, shield=shield, structure=structure
    )
    return render(
        request,
        "pro/invoices.html",
        actor=actor,
        invoices=invoices,
        chart=per_hour((i.received_at for i in invoices), platform.clock.now()),
        today=platform.clock.today(),
        key=idempotency_key(),
        lines=[SAMPLE_LINE, BLANK_LINE],
        **_common(actor),
    )


@router.post("/invoices", response_class=HTMLResponse)
def submit_invoice(
    request: Request, actor: Submitter, platform: PlatformDep, shield: ShieldDep, form: FormDep
) -> HTMLResponse:
    card = forms.card(form)
    accreditation = form.get("accreditation_id")
    receipt = service.submit_invoice(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        idempotency_key=form.get("idempotency_key"),
        submission=InvoiceSubmission(
            invoice_number=forms.text(form, "invoice_number", max_length=20),
            date_of_care=forms.day(form, "date_of_care"),
            lines=tuple(ClaimedLine(line) for line in forms.care_lines(form)),
            card=CardData(**asdict(card)) if card is not None else None,
            accreditation_id=forms.identifier(form, "accreditation_id") if accreditation else None,
            structure=forms.structure(form),
        ),
    )
    return render(
        request, "pro/partials/receipt.html", actor=actor, receipt=receipt, key=idempotency_key()
    )


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_page(
    request: Request, invoice_id: uuid.UUID, actor: Reader, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    detail = reading.read_invoice(
        uow=platform.uow(), actor=actor, shield=shield, invoice_id=invoice_id
    )
    return render(request, "pro/invoice.html", actor=actor, detail=detail, receipt=detail.receipt)


@router.post("/invoices/{invoice_id}/cancellation", response_class=HTMLResponse)
def cancel_invoice(
    request: Request,
    invoice_id: uuid.UUID,
    actor: Submitter,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    receipt = cancellation.cancel_invoice(
        uow=platform.uow(), actor=actor, shield=shield, invoice_id=invoice_id
    )
    return render(request, "pro/partials/cancelled.html", actor=actor, receipt=receipt)


@router.get("/payments", response_class=HTMLResponse)
def payments_page(
    request: Request,
    actor: RemittanceReader,
    platform: PlatformDep,
    shield: ShieldDep,
    structure: StructureQuery = None,
) -> HTMLResponse:
    finess = rights.acting_structure(actor, Permission.REMITTANCE_READ, structure)
    found = payments.list_payments(uow=platform.uow(), actor=actor, shield=shield, finess=finess)
    return render(
        request, "pro/payments.html", actor=actor, payments=found, finess=finess, **_common(actor)
    )


@router.get("/confirm-software", response_class=HTMLResponse)
def confirm_software_page(request: Request, actor: SoftwareConfirmer) -> HTMLResponse:
    """Where the professional types the code their software shows when the shield asked
    it for a step-up (identity.client_step_up). The code is never taken from the URL: a
    link with a code filled in is what a phisher would send."""
    return render(request, "pro/confirm_software.html", actor=actor)


@router.post("/confirm-software", response_class=HTMLResponse)
def confirm_software(
    request: Request,
    actor: SteppedUpConfirmer,
    platform: PlatformDep,
    shield: ShieldDep,
    form: FormDep,
) -> HTMLResponse:
    code = forms.text(form, "user_code", max_length=20)
    outcome = client_step_up.confirm_step_up(
        uow=platform.uow(),
        actor=actor,
        shield=shield,
        user_code=code,
        elsewhere_accepted=form.get("elsewhere") == ELSEWHERE_ACCEPTED,
    )
    if isinstance(outcome, client_step_up.AskedElsewhere):
        return render(
            request,
            "pro/partials/software_elsewhere.html",
            actor=actor,
            asked=outcome,
            code=code,
            accepted=ELSEWHERE_ACCEPTED,
        )
    return render(request, "pro/partials/software_confirmed.html", actor=actor, confirmed=outcome)
