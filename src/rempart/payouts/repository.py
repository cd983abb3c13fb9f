"""The bank accounts of a structure, between rows and the domain, inside the caller's
unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import NotFound
from rempart.payouts import domain
from rempart.payouts.domain import AccountStatus, BankAccount, Requester
from rempart.payouts.models import BankAccountRow
from rempart.payouts.sealing import open_iban, seal_iban
from rempart.registry.service import RegisteredStructure, registered_structure

Rows = list[tuple[BankAccountRow, BankAccount]]


def structure_of(uow: UnitOfWork, finess: str, *, lock: bool = False) -> RegisteredStructure:
    registered = registered_structure(uow=uow, finess=finess, lock=lock)
    if registered is None:
        raise NotFound("no registered structure has this FINESS")
    return registered


def account_rows(uow: UnitOfWork, registered: RegisteredStructure) -> Rows:
    return account_rows_of(uow, [registered.id]).get(registered.id, [])


def account_rows_of(uow: UnitOfWork, structure_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Rows]:
    """`account_rows` of many structures in one statement, by structure id."""
    found: dict[uuid.UUID, Rows] = {}
    for row in uow.session.scalars(
        select(BankAccountRow)
        .where(BankAccountRow.structure_id.in_(list(structure_ids)))
        .order_by(BankAccountRow.structure_id, BankAccountRow.requested_at)
    ):
        found.setdefault(row.structure_id, []).append((row, to_domain(row)))
    return found


def accounts_of(uow: UnitOfWork, registered: RegisteredStructure) -> list[BankAccount]:
    return [account for _, account in account_rows(uow, registered)]


def settle(uow: UnitOfWork, registered: RegisteredStructure, now: datetime) -> Rows:
    """The structure's accounts, their stored statuses brought up to date at `now`."""
    rows = account_rows(uow, registered)
    for account in domain.settled([a for _, a in rows], now):
        write(uow, rows, account)
    return account_rows(uow, registered)


def write(uow: UnitOfWork, rows: Rows, account: BankAccount) -> None:
    row = next(r for r, a in rows if a.id == account.id)
    row.status = account.status
    row.approved_by, row.approved_at = account.approved_by, account.approved_at
    row.effective_at = account.effective_at
    row.cancelled_by, row.cancelled_at = account.cancelled_by, account.cancelled_at
    uow.session.flush()  # a change leaves "under way" before its successor is added


def add_change(
    uow: UnitOfWork, registered: RegisteredStructure, change: BankAccount, iban: str
) -> None:
    uow.session.add(
        BankAccountRow(
            id=change.id,
            structure_id=registered.id,
            iban=seal_iban(uow.vault, iban, change.id),
            iban_last4=change.last4,
            bic=change.bic,
            status=change.status,
            requester_role=change.requester,
            requested_at=change.requested_at,
            requested_by=change.requested_by,
            effective_at=change.effective_at,
            key_version=uow.vault.active_version,
        )
    )
    uow.session.flush()


def to_domain(row: BankAccountRow) -> BankAccount:
    return BankAccount(
        id=row.id,
        last4=row.iban_last4,
        bic=row.bic,
        status=AccountStatus(row.status),
        requester=Requester(row.requester_role),
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        effective_at=row.effective_at,
        cancelled_by=row.cancelled_by,
        cancelled_at=row.cancelled_at,
    )


def iban_of(
    uow: UnitOfWork, rows: Rows, account: BankAccount | None, registered: RegisteredStructure
) -> str:
    if account is None:
        return registered.iban
    row = next(r for r, a in rows if a.id == account.id)
    return open_iban(uow.vault, row.iban, row.id)


def bic_of(account: BankAccount | None, registered: RegisteredStructure) -> str:
    return registered.bic if account is None else account.bic
