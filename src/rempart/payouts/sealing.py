"""How a bank account's IBAN is sealed, for the service and for key rotation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, Table, select
from sqlalchemy.orm import Session

from rempart.db.base import table_of
from rempart.payouts.models import BankAccountRow
from rempart.vault.cipher import Vault
from rempart.vault.sealed import AnySelect

_TABLE, _COLUMN = BankAccountRow.__tablename__, "iban"


def seal_iban(vault: Vault, iban: str, row_id: uuid.UUID) -> bytes:
    return vault.seal(iban, table=_TABLE, column=_COLUMN, row_id=row_id)


def open_iban(vault: Vault, blob: bytes, row_id: uuid.UUID) -> str:
    return vault.open(blob, table=_TABLE, column=_COLUMN, row_id=row_id)


class _BankAccounts:
    table: Table = table_of(BankAccountRow)

    def select_for_reseal(self) -> AnySelect:
        return select(BankAccountRow.id, BankAccountRow.key_version, BankAccountRow.iban)

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        return [
            {"iban": seal_iban(vault, open_iban(vault, row["iban"], row["id"]), row["id"])}
            for row in rows
        ]


SEALED_TABLES = (_BankAccounts(),)
