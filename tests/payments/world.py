"""Accepted invoices across many structures, sent through the real intake, for payment
runs to pay."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from pathlib import Path

from rempart.bootstrap import Platform
from rempart.claims.domain import ClaimedLine
from rempart.claims.receipts import InvoiceReceipt
from rempart.claims.requests import CardData, InvoiceSubmission
from rempart.claims.service import submit_invoice
from rempart.identity.permissions import Actor, Role
from rempart.kernel.ids import new_id
from rempart.payments.mandates import record_mandate
from rempart.registry.domain import BeneficiaryStatement, CareCategory, RightsStatus
from rempart.registry.generator import synthetic_bank_details
from rempart.rights.domain import CareLine
from rempart.shield.port import FixedBudgetShield

from ..conftest import TODAY

_numbers = itertools.count(1)


def open_people(lines: list[BeneficiaryStatement]) -> list[BeneficiaryStatement]:
    return [
        x for x in lines if any(p.covers(TODAY) and p.status is RightsStatus.OPEN for p in x.rights)
    ]


def counter_of(finess: str) -> Actor:
    return Actor(account_id=new_id(), role=Role.PROFESSIONAL, structures=frozenset({finess}))


def send(
    platform: Platform,
    finess: str,
    person: BeneficiaryStatement,
    *,
    price: int = 1000,
    code: str = "3400930000001",
    day: date = TODAY,
    number: str | None = None,
) -> InvoiceReceipt:
    return submit_invoice(
        uow=platform.uow(),
        actor=counter_of(finess),
        shield=FixedBudgetShield(),
        idempotency_key=f"test-{uuid.uuid4().hex}",
        submission=InvoiceSubmission(
            invoice_number=number or f"F{next(_numbers):06d}",
            date_of_care=day,
            lines=(
                ClaimedLine(
                    CareLine(
                        category=CareCategory.PHARMACY_65,
                        code=code,
                        quantity=1,
                        unit_price_cents=price,
                        unit_br_cents=price,
                        amo_rate_bp=6500,
                        amo_cents=price * 65 // 100,
                    )
                ),
            ),
            card=CardData(
                person.insured_nir,
                person.birth_date,
                person.birth_rank,
                person.amc_number,
                person.member_number,
                person.agreement_type,
            ),
        ),
    )


def sign_mandates(platform: Platform, lines: list[BeneficiaryStatement]) -> None:
    for index, amc in enumerate(sorted({x.amc_number for x in lines})):
        iban, bic = synthetic_bank_details(seed=100 + index)
        record_mandate(
            uow=platform.uow(),
            amc_number=amc,
            account_name=f"Mutuelle {amc}",
            iban=iban,
            bic=bic,
            mandate_id=f"RUM-{amc}",
            signed_on=date(2026, 1, 5),
        )


def payments_dir(home: Path) -> Path:
    return home / "payments"
