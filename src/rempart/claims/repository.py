"""Reads and writes of the invoice tables, as plain statements (the intake's hot path).

Every statement is built once, here, with bound parameters, and runs on the driver of
the unit of work's connection in its transaction (`db.bulk`: compiled once per dialect):
building `select(...).where(Row.column == value)` on each call, and then Core's execution
context and result objects around each of an invoice's dozen statements, cost more than
the database's work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from types import MappingProxyType

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from rempart.claims.models import ConsumptionRow, IdempotencyRow, InvoiceLineRow, InvoiceRow
from rempart.db.base import table_of
from rempart.db.bulk import insert_many, read, write
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
_CONSUMPTION_TABLE = table_of(ConsumptionRow)
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
_IDEMPOTENCY, _INVOICES, _LINES = (
    table_of(IdempotencyRow),
    table_of(InvoiceRow),
    table_of(InvoiceLineRow),
)


def lock_beneficiary(connection: Connection, beneficiary_id: uuid.UUID) -> None:
    """Serialises every invoice of one beneficiary, so that two of them cannot both spend
    the same ceiling."""
    values = {"beneficiary_id": beneficiary_id}
    if connection.dialect.name == "sqlite":
        write(connection, _LOCK_SQLITE, values)
    else:
        read(connection, _LOCK_POSTGRES, values)


def insurer_of(connection: Connection, beneficiary_id: uuid.UUID) -> str:
    rows = read(connection, _INSURER_OF, {"beneficiary_id": beneficiary_id})
    if not rows:  # pragma: no cover - a beneficiary always has a member and an insurer
        raise LookupError("beneficiary without an insurer")
    return str(rows[0][0])


def year_consumption(
    connection: Connection, beneficiary_id: uuid.UUID, year: int
) -> YearConsumption:
    rows = read(connection, _CONSUMPTION, {"beneficiary_id": beneficiary_id, "year": year})
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
    connection: Connection,
    beneficiary_id: uuid.UUID,
    before: YearConsumption,
    added: YearConsumption,
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
            write(
                connection,
                _CONSUMPTION_UPDATE,
                {
                    "b_id": beneficiary_id,
                    "b_year": added.year,
                    "b_category": category.value,
                    **values,
                },
            )
        else:
            insert_many(
                connection,
                _CONSUMPTION_TABLE,
                [
                    {
                        "beneficiary_id": beneficiary_id,
                        "year": added.year,
                        "category": category.value,
                        **values,
                    }
                ],
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
    connection: Connection,
    *,
    structure: str,
    beneficiary_id: uuid.UUID,
    date_of_care: date,
    invoice_number: str,
) -> set[str]:
    values = {
        "structure": structure,
        "beneficiary_id": beneficiary_id,
        "date_of_care": date_of_care,
        "invoice_number": invoice_number,
    }
    return {code for (code,) in read(connection, _PAID_HERE, values)}


def codes_accepted_elsewhere(
    connection: Connection, *, beneficiary_id: uuid.UUID, date_of_care: date, invoice_number: str
) -> set[str]:
    """Codes accepted for the same person and day on another invoice (any structure):
    near duplicates, flagged for review, not refused (two boxes may be two needs)."""
    values = {
        "beneficiary_id": beneficiary_id,
        "date_of_care": date_of_care,
        "invoice_number": invoice_number,
    }
    return {code for (code,) in read(connection, _ACCEPTED_ELSEWHERE, values)}


def earlier_answer(connection: Connection, *, scope: str, key: str) -> tuple[bytes, str] | None:
    """The request digest and answer recorded for this Idempotency-Key, if any."""
    rows = read(connection, _EARLIER_ANSWER, {"scope": scope, "key": key})
    return None if not rows else (bytes(rows[0][0]), str(rows[0][1]))


def insert_idempotency(connection: Connection, values: dict[str, object]) -> None:
    insert_many(connection, _IDEMPOTENCY, [values])


def insert_invoice(connection: Connection, values: dict[str, object]) -> None:
    insert_many(connection, _INVOICES, [values])


def insert_lines(connection: Connection, rows: list[dict[str, object]]) -> None:
    insert_many(connection, _LINES, rows)
