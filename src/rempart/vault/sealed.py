"""How a feature tells the vault which of its tables hold ciphertexts and blind indexes,
without the vault importing the feature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import Select, Table

from rempart.vault.cipher import Vault


class SealedTable(Protocol):
    table: Table

    def select_for_reseal(self) -> Select[Any]:
        """Columns `id`, `key_version` and whatever `reseal` needs (joins allowed)."""
        ...

    def reseal(self, vault: Vault, row: Mapping[str, Any]) -> dict[str, Any]:
        """New ciphertexts and blind indexes under the active version (not key_version)."""
        ...
