"""How a feature tells the vault which of its tables hold ciphertexts and blind indexes,
without the vault importing the feature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias

from sqlalchemy import RowMapping, Select, Table, select
from sqlalchemy.orm import Session

from rempart.db.base import Base, table_of
from rempart.vault.cipher import Vault

AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"


class SealedTable(Protocol):
    @property
    def table(self) -> Table: ...

    def select_for_reseal(self) -> AnySelect:
        """Columns `id`, `key_version` and whatever `reseal_batch` needs (joins allowed)."""
        ...

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        """For each row, in order, its new ciphertexts, blind indexes and keyed digests
        under the active version (without `key_version`, which the caller sets)."""
        ...


class ColumnsSealedTable:
    """A table whose sealed columns need nothing but the row itself to be resealed."""

    def __init__(self, model: type[Base], columns: tuple[str, ...]) -> None:
        self.table = table_of(model)
        self.columns = columns

    def select_for_reseal(self) -> AnySelect:
        return select(
            self.table.c.id, self.table.c.key_version, *(self.table.c[c] for c in self.columns)
        )

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        return [self._reseal(vault, row) for row in rows]

    def _reseal(self, vault: Vault, row: RowMapping) -> dict[str, Any]:
        name, row_id = self.table.name, row["id"]
        return {
            column: vault.seal(
                vault.open(row[column], table=name, column=column, row_id=row_id),
                table=name,
                column=column,
                row_id=row_id,
            )
            for column in self.columns
        }
