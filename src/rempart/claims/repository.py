"""Reads and writes of the invoice tables, as plain statements (the intake's hot path).

Every statement is built once, here, with bound parameters, and runs on the session's
connection in its transaction: building `select(...).where(Row.column == value)` on each
call, and the ORM's execution layer around it, cost more than the database's work
(about half of an invoice's time went to them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from types import MappingProxyType

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from rempart.claims.models import ConsumptionRow, IdempotencyRow, InvoiceLineRow, InvoiceRow
from rempart.db.base import table_of
from rempart.registry.domain import CareCategory
from rempart.registry.models import BeneficiaryRow, InsurerRow, MemberRow
from rempart.rights.domain import CategoryConsumption, YearConsumption

_ACCEPTED = "accepted"

_B, _C, _L = table_of(BeneficiaryRow).c, table_of(ConsumptionRow).c, table_of(InvoiceLineRow).c
_K = table_of(IdempotencyRow).c

# SQLite has one writer: a write taken first makes the reads that follow see every
# invoice committed before. PostgreSQL locks the row.
_LOCK_SQLITE = (
    update(table_of(BeneficiaryRow))
    .where(_B.id == bindparam("beneficiary_id"))
    .values(updated_at=_B.updated_at)
)
_LOCK_POSTGRES = select(_B.id).where(_B.id == bindparam("beneficiary_id")).with_for_update()
_INSURER_OF = (
    select(InsurerRow.amc_number)
    .join(MemberRow, MemberRow.insurer_id == InsurerRow.id)
    .join(BeneficiaryRow, BeneficiaryRow.member_id == MemberRow.id)
    .where(BeneficiaryRow.id == bindparam("beneficiary_id"))
)
_CONSUMPTION = select(_C.category, _C.amc_cents, _C.acts, _C.last_renewal).where(
    _C.beneficiary_id == bindparam("beneficiary_id"), _C.year == bindparam("year")
)
_CONSUMPTION_UPDATE = (
    update(table_of(ConsumptionRow))
    .where(
        _C.beneficiary_id == bindparam("b_id"),
        _C.year == bindparam("b_year"),
        _C.category == bindparam("b_category"),
    )
    .values(
        amc_cents=bindparam("amc_cents"),
        acts=bindparam("acts"),
        last_renewal=bindparam("last_renewal"),
    )
)
_CONSUMPTION_INSERT = insert(table_of(ConsumptionRow))
_SAME_DAY = (_L.beneficiary_id == bindparam("beneficiary_id")) & (
    _L.date_of_care == bindparam("date_of_care")
)
_PAID_HERE = select(_L.code).where(
    _SAME_DAY,
    _L.structure_finess == bindparam("structure"),
    _L.invoice_number == bindparam("invoice_number"),
    _L.status == _ACCEPTED,
)
_ACCEPTED_ELSEWHERE = select(_L.code).where(
    _SAME_DAY, _L.invoice_number != bindparam("invoice_number"), _L.status == _ACCEPTED
)
_EARLIER_ANSWER = select(_K.request_digest, _K.answer).where(
    _K.scope == bindparam("scope"), _K.key == bindparam("key")
)
_INSERT_IDEMPOTENCY = insert(table_of(IdempotencyRow))
_INSERT_INVOICE = insert(table_of(InvoiceRow))
_INSERT_LINES = insert(table_of(InvoiceLineRow))


def _on(session: Session) -> Connection:
    return session.connection()


def lock_beneficiary(session: Session, beneficiary_id: uuid.UUID) -> None:
    """Serialises every invoice of one beneficiary, so that two of them cannot both spend
    the same ceiling."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    _on(session).execute(
        _LOCK_SQLITE if sqlite else _LOCK_POSTGRES, {"beneficiary_id": beneficiary_id}
    )


def insurer_of(session: Session, beneficiary_id: uuid.UUID) -> str:
    amc = _on(session).execute(_INSURER_OF, {"beneficiary_id": beneficiary_id}).scalar()
    if amc is None:  # pragma: no cover - a beneficiary always has a member and an insurer
        raise LookupError("beneficiary without an insurer")
    return str(amc)


def year_consumption(session: Session, beneficiary_id: uuid.UUID, year: int) -> YearConsumption:
    rows = _on(session).execute(_CONSUMPTION, {"beneficiary_id": beneficiary_id, "year": year})
    return YearConsumption(
        year,
        MappingProxyType(
            {
                CareCategory(category): CategoryConsumption(amc_cents, acts, last_renewal)
                for category, amc_cents, acts, last_renewal in rows
            }
        ),
    )


def add_consumption(
    session: Session, beneficiary_id: uuid.UUID, before: YearConsumption, added: YearConsumption
) -> None:
    """Records `added` on top of `before` (read under the beneficiary's lock)."""
    after = before.plus(added)
    connection = _on(session)
    for category in added.by_category:
        total = after.of(category)
        values = {
            "amc_cents": total.amc_cents,
            "acts": total.acts,
            "last_renewal": total.last_renewal,
        }
        if category in before.by_category:
            connection.execute(
                _CONSUMPTION_UPDATE,
                {
                    "b_id": beneficiary_id,
                    "b_year": added.year,
                    "b_category": category.value,
                    **values,
                },
            )
        else:
            connection.execute(
                _CONSUMPTION_INSERT,
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
        _on(session)
        .execute(
            _PAID_HERE,
            {
                "structure": structure,
                "beneficiary_id": beneficiary_id,
                "date_of_care": date_of_care,
                "invoice_number": invoice_number,
            },
        )
        .scalars()
    )


def codes_accepted_elsewhere(
    session: Session, *, beneficiary_id: uuid.UUID, date_of_care: date, invoice_number: str
) -> set[str]:
    """Codes accepted for the same person and day on another invoice (any structure):
    near duplicates, flagged for review, not refused (two boxes may be two needs)."""
    return set(
        _on(session)
        .execute(
            _ACCEPTED_ELSEWHERE,
            {
                "beneficiary_id": beneficiary_id,
                "date_of_care": date_of_care,
                "invoice_number": invoice_number,
            },
        )
        .scalars()
    )


def earlier_answer(session: Session, *, scope: str, key: str) -> tuple[bytes, str] | None:
    """The request digest and answer recorded for this Idempotency-Key, if any."""
    row = _on(session).execute(_EARLIER_ANSWER, {"scope": scope, "key": key}).first()
    return None if row is None else (bytes(row[0]), str(row[1]))


def insert_idempotency(session: Session, values: dict[str, object]) -> None:
    _on(session).execute(_INSERT_IDEMPOTENCY, values)


def insert_invoice(session: Session, values: dict[str, object]) -> None:
    _on(session).execute(_INSERT_INVOICE, values)


def insert_lines(session: Session, rows: list[dict[str, object]]) -> None:
    _on(session).execute(_INSERT_LINES, rows)
