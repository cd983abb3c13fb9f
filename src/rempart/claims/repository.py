"""Reads and writes of the invoice tables, as plain statements (the intake's hot path)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from types import MappingProxyType

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from rempart.claims.models import ConsumptionRow, InvoiceLineRow
from rempart.db.base import table_of
from rempart.registry.domain import CareCategory
from rempart.registry.models import BeneficiaryRow, InsurerRow, MemberRow
from rempart.rights.domain import CategoryConsumption, YearConsumption

_ACCEPTED = "accepted"


def lock_beneficiary(session: Session, beneficiary_id: uuid.UUID) -> None:
    """Serialises every invoice of one beneficiary, so that two of them cannot both spend
    the same ceiling. PostgreSQL locks the row; SQLite has one writer, so a write taken
    first makes the reads that follow see every invoice committed before."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(BeneficiaryRow)
            .where(BeneficiaryRow.id == beneficiary_id)
            .values(updated_at=BeneficiaryRow.updated_at)
        )
    else:
        session.execute(
            select(BeneficiaryRow.id).where(BeneficiaryRow.id == beneficiary_id).with_for_update()
        )


def insurer_of(session: Session, beneficiary_id: uuid.UUID) -> str:
    amc = session.scalar(
        select(InsurerRow.amc_number)
        .join(MemberRow, MemberRow.insurer_id == InsurerRow.id)
        .join(BeneficiaryRow, BeneficiaryRow.member_id == MemberRow.id)
        .where(BeneficiaryRow.id == beneficiary_id)
    )
    if amc is None:  # pragma: no cover - a beneficiary always has a member and an insurer
        raise LookupError("beneficiary without an insurer")
    return amc


def year_consumption(session: Session, beneficiary_id: uuid.UUID, year: int) -> YearConsumption:
    rows = session.execute(
        select(
            ConsumptionRow.category,
            ConsumptionRow.amc_cents,
            ConsumptionRow.acts,
            ConsumptionRow.last_renewal,
        ).where(ConsumptionRow.beneficiary_id == beneficiary_id, ConsumptionRow.year == year)
    ).all()
    return YearConsumption(
        year,
        MappingProxyType(
            {
                CareCategory(row.category): CategoryConsumption(
                    row.amc_cents, row.acts, row.last_renewal
                )
                for row in rows
            }
        ),
    )


def add_consumption(
    session: Session, beneficiary_id: uuid.UUID, before: YearConsumption, added: YearConsumption
) -> None:
    """Records `added` on top of `before` (read under the beneficiary's lock)."""
    after = before.plus(added)
    for category in added.by_category:
        total = after.of(category)
        values = {
            "amc_cents": total.amc_cents,
            "acts": total.acts,
            "last_renewal": total.last_renewal,
        }
        if category in before.by_category:
            session.execute(
                update(ConsumptionRow)
                .where(
                    ConsumptionRow.beneficiary_id == beneficiary_id,
                    ConsumptionRow.year == added.year,
                    ConsumptionRow.category == category.value,
                )
                .values(**values)
            )
        else:
            session.execute(
                insert(table_of(ConsumptionRow)),
                {
                    "beneficiary_id": beneficiary_id,
                    "year": added.year,
                    "category": category.value,
                    **values,
                },
            )


def give_back_consumption(
    session: Session, beneficiary_id: uuid.UUID, year: int, lines: Iterable[InvoiceLineRow]
) -> None:
    """A cancelled invoice's amounts and acts are no longer consumed. A renewal it
    recorded stays: the equipment was dispensed or not, the adjudication cannot tell,
    and keeping it errs against paying twice."""
    for line in lines:
        row = session.get(ConsumptionRow, (beneficiary_id, year, line.category))
        if row is not None:
            row.amc_cents = max(0, row.amc_cents - line.amc_cents)
            row.acts = max(0, row.acts - line.quantity)


def already_paid_codes(
    session: Session,
    *,
    structure: str,
    beneficiary_id: uuid.UUID,
    date_of_care: date,
    invoice_number: str,
) -> set[str]:
    return set(
        session.scalars(
            select(InvoiceLineRow.code).where(
                InvoiceLineRow.structure_finess == structure,
                InvoiceLineRow.beneficiary_id == beneficiary_id,
                InvoiceLineRow.date_of_care == date_of_care,
                InvoiceLineRow.invoice_number == invoice_number,
                InvoiceLineRow.status == _ACCEPTED,
            )
        )
    )


def codes_accepted_elsewhere(
    session: Session, *, beneficiary_id: uuid.UUID, date_of_care: date, invoice_number: str
) -> set[str]:
    """Codes accepted for the same person and day on another invoice (any structure):
    near duplicates, flagged for review, not refused (two boxes may be two needs)."""
    return set(
        session.scalars(
            select(InvoiceLineRow.code).where(
                InvoiceLineRow.beneficiary_id == beneficiary_id,
                InvoiceLineRow.date_of_care == date_of_care,
                InvoiceLineRow.invoice_number != invoice_number,
                InvoiceLineRow.status == _ACCEPTED,
            )
        )
    )
