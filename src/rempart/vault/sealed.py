"""How a feature tells the vault which of its tables hold ciphertexts and blind indexes,
without the vault importing the feature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias

from sqlalchemy import RowMapping, Select, Table
from sqlalchemy.orm import Session

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
