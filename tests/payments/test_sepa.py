"""SEPA files: their content, their schema, their sums, and the same bytes every time."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from rempart.kernel.errors import InvalidInput
from rempart.payments.sepa import (
    CreditTransfer,
    DirectDebitScheme,
    PainMessage,
    SepaFileError,
    SepaSchemaError,
    SequenceType,
    credit_transfer_file,
    direct_debit_file,
    validate_pain,
)
from rempart.payments.sepa_rules import AMOUNT_MAX_CENTS
from rempart.payments.sepa_schema import schema_path
from tests.payments.sepa_examples import (
    CREATED_AT,
    CREDIT_TRANSFER_EXAMPLE,
    CREDITOR_SCHEME_ID,
    DIRECT_DEBIT_EXAMPLE,
    PHARMACY,
    PHARMACY_IBAN,
    PLATFORM,
    example_credit_transfer_file,
    example_debits,
    example_direct_debit_file,
    example_transfers,
)


def tree(data: bytes, message: PainMessage) -> tuple[etree._Element, dict[str, str]]:
    return etree.fromstring(data), {"p": message.namespace}


def texts(root: etree._Element, path: str, ns: dict[str, str]) -> list[str]:
    return [element.text or "" for element in root.iterfind(path, ns)]


def test_credit_transfer_file_carries_the_batch() -> None:
    data = example_credit_transfer_file()
    assert validate_pain(data) is PainMessage.CREDIT_TRANSFER
    root, ns = tree(data, PainMessage.CREDIT_TRANSFER)
    header = "p:CstmrCdtTrfInitn/p:GrpHdr"
    block = "p:CstmrCdtTrfInitn/p:PmtInf"
    assert texts(root, f"{header}/p:MsgId", ns) == ["RUN-20250303"]
    assert texts(root, f"{header}/p:CreDtTm", ns) == ["2025-03-03T08:30:00Z"]
    assert texts(root, f"{header}/p:NbOfTxs", ns) == ["2"]
    assert texts(root, f"{header}/p:CtrlSum", ns) == ["1123.45"]
    assert texts(root, f"{block}/p:NbOfTxs", ns) == ["2"]
    assert texts(root, f"{block}/p:CtrlSum", ns) == ["1123.45"]
    assert texts(root, f"{block}/p:PmtInfId", ns) == ["RUN-20250303"]
    assert texts(root, f"{block}/p:ReqdExctnDt", ns) == ["2025-03-04"]
    assert texts(root, f"{block}/p:DbtrAcct/p:Id/p:IBAN", ns) == ["FR7630006000011234567890189"]
    items = f"{block}/p:CdtTrfTxInf"
    assert texts(root, f"{items}/p:Amt/p:InstdAmt", ns) == ["123.45", "1000.00"]
    assert {e.get("Ccy") for e in root.iterfind(f"{items}/p:Amt/p:InstdAmt", ns)} == {"EUR"}
    assert texts(root, f"{items}/p:PmtId/p:EndToEndId", ns) == [
        "RUN-20250303-000001",
        "RUN-20250303-000002",
    ]
    # Transliterated to the SEPA Latin set, never refused for an accent.
    assert texts(root, f"{items}/p:Cdtr/p:Nm", ns) == [
        "Pharmacie de l'Etoile",
        "Pharmacie du Coeur + Saint-Jean",
    ]
    assert texts(root, f"{items}/p:CdtrAcct/p:Id/p:IBAN", ns)[0] == PHARMACY_IBAN
    assert texts(root, f"{items}/p:RmtInf/p:Ustrd", ns)[0].startswith("Rempart tiers payant")


def test_direct_debit_file_carries_the_batch() -> None:
    data = example_direct_debit_file()
    assert validate_pain(data) is PainMessage.DIRECT_DEBIT
    root, ns = tree(data, PainMessage.DIRECT_DEBIT)
    block = "p:CstmrDrctDbtInitn/p:PmtInf"
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", ns) == ["1123.45"]
    assert texts(root, f"{block}/p:PmtTpInf/p:LclInstrm/p:Cd", ns) == ["CORE"]
    assert texts(root, f"{block}/p:PmtTpInf/p:SeqTp", ns) == ["RCUR"]
    assert texts(root, f"{block}/p:ReqdColltnDt", ns) == ["2025-03-07"]
    scheme = f"{block}/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr"
    assert texts(root, f"{scheme}/p:Id", ns) == [CREDITOR_SCHEME_ID]
    assert texts(root, f"{scheme}/p:SchmeNm/p:Prtry", ns) == ["SEPA"]
    item = f"{block}/p:DrctDbtTxInf"
    assert texts(root, f"{item}/p:InstdAmt", ns) == ["1123.45"]
    assert texts(root, f"{item}/p:DrctDbtTx/p:MndtRltdInf/p:MndtId", ns) == [
        "REMPART-AMC-123456789"
    ]
    assert texts(root, f"{item}/p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", ns) == ["2024-11-15"]
    assert texts(root, f"{item}/p:Dbtr/p:Nm", ns) == ["Mutuelle Generale d'Epargne"]
    assert texts(root, f"{item}/p:RmtInf/p:Ustrd", ns) == [
        "Reglement tiers payant du 01/02/2025 au 28/02/2025"
    ]


def test_sequence_type_and_scheme_are_parameters() -> None:
    data = direct_debit_file(
        message_id="SET-1",
        created_at=CREATED_AT,
        creditor=PLATFORM,
        creditor_scheme_id=CREDITOR_SCHEME_ID,
        collection_date=date(2025, 3, 7),
        debits=example_debits(),
        sequence_type=SequenceType.FIRST,
        scheme=DirectDebitScheme.B2B,
    )
    root, ns = tree(data, PainMessage.DIRECT_DEBIT)
    payment_type = "p:CstmrDrctDbtInitn/p:PmtInf/p:PmtTpInf"
    assert texts(root, f"{payment_type}/p:SeqTp", ns) == ["FRST"]
    assert texts(root, f"{payment_type}/p:LclInstrm/p:Cd", ns) == ["B2B"]


def test_the_same_input_gives_the_same_bytes_as_the_documented_examples() -> None:
    assert example_credit_transfer_file() == example_credit_transfer_file()
    assert example_direct_debit_file() == example_direct_debit_file()
    # Regenerate with `python -m tests.payments.sepa_examples` after a deliberate change.
    assert example_credit_transfer_file() == CREDIT_TRANSFER_EXAMPLE.read_bytes()
    assert example_direct_debit_file() == DIRECT_DEBIT_EXAMPLE.read_bytes()


def test_the_official_schemas_ship_with_the_package_unchanged() -> None:
    readme = resources.files("rempart.payments").joinpath("schemas", "README.md").read_text()
    for message in PainMessage:
        content = schema_path(message).read_bytes()
        assert f'targetNamespace="{message.namespace}"'.encode() in content
        assert f"`{hashlib.sha256(content).hexdigest()}`" in readme, message


@pytest.mark.parametrize(
    ("original", "altered"),
    [
        # a negative amount
        (b'<InstdAmt Ccy="EUR">123.45</InstdAmt>', b'<InstdAmt Ccy="EUR">-123.45</InstdAmt>'),
        # more decimals than the ISO type allows
        (b'<InstdAmt Ccy="EUR">123.45</InstdAmt>', b'<InstdAmt Ccy="EUR">123.456789</InstdAmt>'),
        # a currency code that is not one
        (b'<InstdAmt Ccy="EUR">123.45</InstdAmt>', b'<InstdAmt Ccy="euro">123.45</InstdAmt>'),
        # a mandatory element removed
        (b"<ReqdExctnDt>2025-03-04</ReqdExctnDt>", b""),
        # an unknown payment method
        (b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>WIRE</PmtMtd>"),
        # a count that is not a number
        (b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>two</NbOfTxs>"),
        # an IBAN in lower case (the pattern refuses it)
        (PHARMACY_IBAN.encode(), PHARMACY_IBAN.lower().encode()),
    ],
)
def test_a_hand_altered_file_fails_its_schema(original: bytes, altered: bytes) -> None:
    data = example_credit_transfer_file()
    assert original in data
    with pytest.raises(SepaSchemaError) as caught:
        validate_pain(data.replace(original, altered, 1))
    message = str(caught.value)
    assert "breaks the pain.001.001.03 schema at line" in message
    assert PHARMACY_IBAN.lower() not in message.lower()


@pytest.mark.parametrize(
    ("original", "altered", "reason"),
    [
        # Valid for the ISO schema, wrong for SEPA: three decimals, another currency.
        (b">123.45<", b">123.456<", "not euros to the cent"),
        (b'Ccy="EUR">123.45<', b'Ccy="USD">123.45<', "not euros to the cent"),
        # A control sum or a count that no longer matches the transactions.
        (b"<CtrlSum>1123.45</CtrlSum>", b"<CtrlSum>1123.46</CtrlSum>", "group header's CtrlSum"),
        (b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>3</NbOfTxs>", "group header's NbOfTxs"),
        (b">1000.00<", b">1000.01<", "CtrlSum is not the sum"),
    ],
)
def test_a_hand_altered_sum_or_amount_fails_validation(
    original: bytes, altered: bytes, reason: str
) -> None:
    data = example_credit_transfer_file()
    assert original in data
    with pytest.raises(SepaSchemaError, match=reason):
        validate_pain(data.replace(original, altered, 1))
    altered_debit = example_direct_debit_file().replace(b">1123.45<", b">1123.44<", 1)
    with pytest.raises(SepaSchemaError, match="CtrlSum is not the sum"):
        validate_pain(altered_debit)


def test_a_file_of_another_kind_or_unsafe_is_refused() -> None:
    with pytest.raises(SepaSchemaError, match="not a pain"):
        validate_pain(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>')
    with pytest.raises(SepaSchemaError, match="well-formed"):
        validate_pain(b"<Document")
    with pytest.raises(SepaSchemaError, match="DOCTYPE"):
        validate_pain(
            b'<!DOCTYPE d [<!ENTITY x "y">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">&x;</Document>'
        )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=AMOUNT_MAX_CENTS), min_size=1, max_size=12))
def test_control_sums_equal_the_sum_of_amounts(amounts: list[int]) -> None:
    transfers = [
        CreditTransfer(
            end_to_end_id=f"E2E-{index}",
            creditor=PHARMACY,
            amount_cents=amount,
            remittance_info="",
        )
        for index, amount in enumerate(amounts)
    ]
    data = credit_transfer_file(
        message_id="RUN-PROPERTY",
        created_at=CREATED_AT,
        debtor=PLATFORM,
        execution_date=date(2025, 3, 4),
        transfers=transfers,
    )
    root, ns = tree(data, PainMessage.CREDIT_TRANSFER)
    written = [Decimal(t) for t in texts(root, ".//p:InstdAmt", ns)]
    assert written == [Decimal(amount) / 100 for amount in amounts]
    expected = Decimal(sum(amounts)) / 100
    for path in ("p:CstmrCdtTrfInitn/p:GrpHdr", "p:CstmrCdtTrfInitn/p:PmtInf"):
        (control_sum,) = texts(root, f"{path}/p:CtrlSum", ns)
        assert Decimal(control_sum) == expected == sum(written)
        assert control_sum == f"{sum(amounts) // 100}.{sum(amounts) % 100:02d}"
        assert texts(root, f"{path}/p:NbOfTxs", ns) == [str(len(amounts))]


def test_amounts_are_written_to_the_cent() -> None:
    transfers = [
        replace(example_transfers()[0], end_to_end_id=f"E-{cents}", amount_cents=cents)
        for cents in (1, 10, 100, 12345, AMOUNT_MAX_CENTS)
    ]
    data = credit_transfer_file(
        message_id="RUN-CENTS",
        created_at=CREATED_AT,
        debtor=PLATFORM,
        execution_date=date(2025, 3, 4),
        transfers=transfers,
    )
    root, ns = tree(data, PainMessage.CREDIT_TRANSFER)
    assert texts(root, ".//p:InstdAmt", ns) == [
        "0.01",
        "0.10",
        "1.00",
        "123.45",
        "999999999.99",
    ]


def test_errors_are_invalid_input_that_never_show_an_iban() -> None:
    assert issubclass(SepaFileError, InvalidInput)
    broken = replace(PHARMACY, iban=PHARMACY_IBAN[:-1] + "4")
    with pytest.raises(SepaFileError) as caught:
        credit_transfer_file(
            message_id="RUN-1",
            created_at=CREATED_AT,
            debtor=PLATFORM,
            execution_date=date(2025, 3, 4),
            transfers=[replace(example_transfers()[0], creditor=broken)],
        )
    assert caught.value.field == "transfers[0].creditor.iban"
    assert "transfers[0].creditor.iban" in str(caught.value)
    assert PHARMACY_IBAN[4:20] not in str(caught.value)
    assert PHARMACY_IBAN not in repr(PHARMACY)
