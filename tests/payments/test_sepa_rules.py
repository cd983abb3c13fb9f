"""What a SEPA file refuses, and how names and texts are brought to the SEPA Latin set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.payments.sepa import (
    CreditTransfer,
    DirectDebit,
    SepaFileError,
    credit_transfer_file,
    direct_debit_file,
)
from rempart.payments.sepa_rules import (
    SEPA_LATIN,
    creditor_identifier_check_digits,
    sepa_creditor_identifier,
    sepa_text,
    transliterate,
)
from tests.payments.sepa_examples import (
    CREATED_AT,
    CREDITOR_SCHEME_ID,
    PHARMACY,
    PHARMACY_IBAN,
    PLATFORM,
    example_debits,
    example_transfers,
)

TRANSFER = example_transfers()[0]
DEBIT = example_debits()[0]


def transfer_file(**changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "message_id": "RUN-1",
        "created_at": CREATED_AT,
        "debtor": PLATFORM,
        "execution_date": date(2025, 3, 4),
        "transfers": [TRANSFER],
    }
    return credit_transfer_file(**(arguments | changes))


def debit_file(**changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "message_id": "SET-1",
        "created_at": CREATED_AT,
        "creditor": PLATFORM,
        "creditor_scheme_id": CREDITOR_SCHEME_ID,
        "collection_date": date(2025, 3, 7),
        "debits": [DEBIT],
    }
    return direct_debit_file(**(arguments | changes))


def with_transfer(**changes: Any) -> Callable[[], bytes]:
    return lambda: transfer_file(transfers=[replace(TRANSFER, **changes)])


def with_creditor(**changes: Any) -> Callable[[], bytes]:
    return with_transfer(creditor=replace(PHARMACY, **changes))


def with_debit(**changes: Any) -> Callable[[], bytes]:
    return lambda: debit_file(debits=[replace(DEBIT, **changes)])


CASES: list[tuple[str, Callable[[], bytes], str]] = [
    ("empty transfer batch", lambda: transfer_file(transfers=[]), "transfers"),
    ("empty debit batch", lambda: debit_file(debits=[]), "debits"),
    ("unknown sequence type", lambda: debit_file(sequence_type="XXXX"), "sequence_type"),
    ("zero amount", with_transfer(amount_cents=0), "transfers[0].amount_cents"),
    ("negative amount", with_transfer(amount_cents=-5), "transfers[0].amount_cents"),
    ("boolean amount", with_transfer(amount_cents=True), "transfers[0].amount_cents"),
    (
        "amount over the scheme's maximum",
        with_transfer(amount_cents=10**11),
        "transfers[0].amount_cents",
    ),
    ("negative debit", with_debit(amount_cents=-1), "debits[0].amount_cents"),
    (
        "IBAN check digits",
        with_creditor(iban="FR7730004000031234567890143"),
        "transfers[0].creditor.iban",
    ),
    (
        "IBAN outside SEPA",
        with_creditor(iban="US64SVBKUS6S3300958879"),
        "transfers[0].creditor.iban",
    ),
    ("IBAN too short", with_creditor(iban=PHARMACY_IBAN[:-2]), "transfers[0].creditor.iban"),
    (
        "French RIB key",
        with_creditor(iban="FR7630004000031234567890134"),
        "transfers[0].creditor.iban",
    ),
    ("debtor's IBAN", lambda: transfer_file(debtor=replace(PLATFORM, iban="FR00")), "debtor.iban"),
    ("BIC length", with_creditor(bic="BNPAFRPPX"), "transfers[0].creditor.bic"),
    ("BIC country", with_creditor(bic="BNPAQQPP"), "transfers[0].creditor.bic"),
    ("debit's BIC", with_debit(debtor=replace(DEBIT.debtor, bic="AXA")), "debits[0].debtor.bic"),
    ("end-to-end id of 36", with_transfer(end_to_end_id="E" * 36), "transfers[0].end_to_end_id"),
    ("end-to-end id empty", with_transfer(end_to_end_id=""), "transfers[0].end_to_end_id"),
    (
        "end-to-end id with a space",
        with_transfer(end_to_end_id="RUN 1"),
        "transfers[0].end_to_end_id",
    ),
    ("end-to-end id accented", with_transfer(end_to_end_id="RÉF-1"), "transfers[0].end_to_end_id"),
    ("end-to-end id with //", with_transfer(end_to_end_id="RUN//1"), "transfers[0].end_to_end_id"),
    (
        "end-to-end id starting with /",
        with_transfer(end_to_end_id="/RUN1"),
        "transfers[0].end_to_end_id",
    ),
    ("message id of 36", lambda: transfer_file(message_id="M" * 36), "message_id"),
    ("message id with &", lambda: debit_file(message_id="SET&1"), "message_id"),
    ("mandate id of 36", with_debit(mandate_id="U" * 36), "debits[0].mandate_id"),
    (
        "name of 71 after transliteration",
        with_creditor(name="P" * 69 + "œ"),
        "transfers[0].creditor.name",
    ),
    ("empty name", with_creditor(name="  "), "transfers[0].creditor.name"),
    (
        "name outside the Latin set",
        with_creditor(name="Pharmacie 药房"),
        "transfers[0].creditor.name",
    ),
    ("name with an emoji", with_creditor(name="Pharmacie 🙂"), "transfers[0].creditor.name"),
    ("remittance of 141", with_transfer(remittance_info="R" * 141), "transfers[0].remittance_info"),
    ("remittance with @", with_transfer(remittance_info="see x@y"), "transfers[0].remittance_info"),
    ("debit remittance of 141", with_debit(remittance_info="é" * 141), "debits[0].remittance_info"),
    (
        "naive creation time",
        lambda: transfer_file(created_at=datetime(2025, 3, 3, 8, 30)),
        "created_at",
    ),
    (
        "creditor scheme id check digits",
        lambda: debit_file(creditor_scheme_id="FR73ZZZ123456"),
        "creditor_scheme_id",
    ),
    (
        "creditor scheme id shape",
        lambda: debit_file(creditor_scheme_id="FR72ZZZ12345"),
        "creditor_scheme_id",
    ),
    (
        "creditor scheme id garbage",
        lambda: debit_file(creditor_scheme_id="not one"),
        "creditor_scheme_id",
    ),
    (
        "mandate signed after collection",
        with_debit(mandate_signed_on=date(2025, 3, 8)),
        "debits[0].mandate_signed_on",
    ),
]


@pytest.mark.parametrize(("case", "build", "field"), CASES, ids=[case[0] for case in CASES])
def test_invalid_input_is_refused_naming_the_field(
    case: str, build: Callable[[], bytes], field: str
) -> None:
    with pytest.raises(SepaFileError) as caught:
        build()
    assert caught.value.field == field, case
    assert field in caught.value.message
    for secret in (PHARMACY_IBAN, PLATFORM.iban.replace(" ", ""), "3000400003123456789"):
        assert secret not in str(caught.value)


def test_repeated_end_to_end_ids_are_refused() -> None:
    with pytest.raises(SepaFileError) as caught:
        transfer_file(transfers=[TRANSFER, replace(TRANSFER, amount_cents=1), TRANSFER])
    assert caught.value.field == "transfers[1].end_to_end_id"
    assert "repeats transfers[0]" in caught.value.message


def test_a_batch_may_have_an_empty_remittance_and_spaced_iban() -> None:
    data = transfer_file(
        transfers=[
            CreditTransfer(
                end_to_end_id="A-1",
                creditor=replace(
                    PHARMACY, iban="fr76 3000 4000 0312 3456 7890 143", bic="bnpafrppxxx"
                ),
                amount_cents=1,
                remittance_info="",
            )
        ]
    )
    assert b"<RmtInf>" not in data
    assert PHARMACY_IBAN.encode() in data
    assert b"<BIC>BNPAFRPPXXX</BIC>" in data


def test_a_name_that_fits_after_transliteration_is_kept_whole() -> None:
    name = "É" * 70
    data = transfer_file(transfers=[replace(TRANSFER, creditor=replace(PHARMACY, name=name))])
    assert f"<Nm>{'E' * 70}</Nm>".encode() in data
    assert isinstance(
        debit_file(debits=[DirectDebit(**(vars(DEBIT) | {"remittance_info": "é" * 140}))]),
        bytes,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pharmacie de l'Étoile", "Pharmacie de l'Etoile"),
        ("Pharmacie du Cœur", "Pharmacie du Coeur"),
        ("ÆGIS & Fils", "AEGIS + Fils"),
        ("Saint\u2011Étienne \u2013 « Centre »", "Saint-Etienne - ' Centre '"),
        ("Pharmacie de l\u2019Hôtel-Dieu", "Pharmacie de l'Hotel-Dieu"),
        ("Ça  va\u00a0 bien ", "Ca va bien"),
        ("Noël, Raphaël, Zoé, Maïté, Françoise", "Noel, Raphael, Zoe, Maite, Francoise"),
        ("N° 12 ; 5 €", "No 12 , 5 EUR"),
        ("Straße Øster Łódź", "Strasse Oster Lodz"),
    ],
)
def test_french_names_are_transliterated(raw: str, expected: str) -> None:
    assert transliterate(raw) == expected
    assert sepa_text(raw, field="name", max_length=70) == expected


FRENCH = (
    "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿæœABCÀÂÇÉÈÊËÎÏÔÙÛÜŸÆŒ0123456789 '\u2019-.,&()/«»"
)


@given(st.text(alphabet=FRENCH, min_size=1, max_size=60))
def test_any_french_text_reaches_the_sepa_set(text: str) -> None:
    if not text.strip():
        return
    result = sepa_text(text, field="name", max_length=140)
    assert set(result) <= SEPA_LATIN
    assert result == result.strip()
    assert "  " not in result


@pytest.mark.parametrize(
    "identifier", ["FR72ZZZ123456", "fr72 zzz 123456", "DE98ZZZ09999999999", "ES97ZZZB12345678"]
)
def test_known_creditor_identifiers_pass(identifier: str) -> None:
    assert sepa_creditor_identifier(identifier, field="ics") == identifier.replace(" ", "").upper()


def test_creditor_identifier_check_digits_ignore_the_business_code() -> None:
    assert creditor_identifier_check_digits("FR", "123456") == "72"
    sepa_creditor_identifier("FR72ABC123456", field="ics")
