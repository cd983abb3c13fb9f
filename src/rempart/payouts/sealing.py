"""How a bank account's IBAN is sealed, for the service and for key rotation."""

from __future__ import annotations

import uuid

from rempart.payouts.models import BankAccountRow
from rempart.vault.cipher import Vault
from rempart.vault.sealed import ColumnsSealedTable

_TABLE, _COLUMN = BankAccountRow.__tablename__, "iban"


def seal_iban(vault: Vault, iban: str, row_id: uuid.UUID) -> bytes:
    return vault.seal(iban, table=_TABLE, column=_COLUMN, row_id=row_id)


def open_iban(vault: Vault, blob: bytes, row_id: uuid.UUID) -> str:
    return vault.open(blob, table=_TABLE, column=_COLUMN, row_id=row_id)


SEALED_TABLES = (ColumnsSealedTable(BankAccountRow, ("iban",)),)
