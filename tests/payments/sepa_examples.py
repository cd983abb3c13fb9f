"""The inputs of the example files in docs/formats/, shared by the tests (which check that
the code still produces those files byte for byte) and `python -m tests.payments.sepa_examples`
(which rewrites them after a deliberate change of format)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from rempart.payments.sepa import (
    Account,
    CreditTransfer,
    DirectDebit,
    credit_transfer_file,
    direct_debit_file,
)

FORMATS = Path(__file__).resolve().parents[2] / "docs" / "formats"
CREDIT_TRANSFER_EXAMPLE = FORMATS / "pain.001-example.xml"
DIRECT_DEBIT_EXAMPLE = FORMATS / "pain.008-example.xml"

# Synthetic bank details: valid check digits and RIB keys, no real account.
PLATFORM = Account(name="Rempart SAS", iban="FR76 3000 6000 0112 3456 7890 189", bic="AGRIFRPP")
PHARMACY_IBAN = "FR7630004000031234567890143"
PHARMACY = Account(name="Pharmacie de l'Étoile", iban=PHARMACY_IBAN, bic="BNPAFRPPXXX")
OTHER_PHARMACY = Account(
    name="Pharmacie du Cœur & Saint-Jean", iban="FR7610107001011234567890129", bic="BREDFRPP"
)
INSURER = Account(
    name="Mutuelle Générale d'Épargne", iban="FR7612548029981234567890161", bic="AXABFRPP"
)
CREATED_AT = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)
CREDITOR_SCHEME_ID = "FR72ZZZ123456"


def example_transfers() -> list[CreditTransfer]:
    return [
        CreditTransfer(
            end_to_end_id="RUN-20250303-000001",
            creditor=PHARMACY,
            amount_cents=123_45,
            remittance_info="Rempart tiers payant paiement RUN-20250303 - 12 factures",
        ),
        CreditTransfer(
            end_to_end_id="RUN-20250303-000002",
            creditor=OTHER_PHARMACY,
            amount_cents=1_000_00,
            remittance_info="Rempart tiers payant paiement RUN-20250303 - 85 factures",
        ),
    ]


def example_credit_transfer_file() -> bytes:
    return credit_transfer_file(
        message_id="RUN-20250303",
        created_at=CREATED_AT,
        debtor=PLATFORM,
        execution_date=date(2025, 3, 4),
        transfers=example_transfers(),
    )


def example_debits() -> list[DirectDebit]:
    return [
        DirectDebit(
            end_to_end_id="SET-20250303-123456789",
            debtor=INSURER,
            amount_cents=1_123_45,
            mandate_id="REMPART-AMC-123456789",
            mandate_signed_on=date(2024, 11, 15),
            remittance_info="Règlement tiers payant du 01/02/2025 au 28/02/2025",
        ),
    ]


def example_direct_debit_file() -> bytes:
    return direct_debit_file(
        message_id="SET-20250303",
        created_at=CREATED_AT,
        creditor=PLATFORM,
        creditor_scheme_id=CREDITOR_SCHEME_ID,
        collection_date=date(2025, 3, 7),
        debits=example_debits(),
    )


if __name__ == "__main__":
    CREDIT_TRANSFER_EXAMPLE.write_bytes(example_credit_transfer_file())
    DIRECT_DEBIT_EXAMPLE.write_bytes(example_direct_debit_file())
