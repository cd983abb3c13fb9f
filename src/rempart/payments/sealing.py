"""The payments tables holding ciphertexts, for key rotation."""

from __future__ import annotations

from rempart.payments.models import InsurerMandateRow, PayoutRow
from rempart.vault.sealed import ColumnsSealedTable

SEALED_TABLES = (
    ColumnsSealedTable(InsurerMandateRow, ("iban",)),
    ColumnsSealedTable(PayoutRow, ("iban",)),
)
