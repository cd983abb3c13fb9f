"""SEPA payment files: pain.001.001.03 credit transfers (paying professionals) and
pain.008.001.02 direct debits (collecting from insurers).

Pure functions from dataclasses to bytes. Every input is checked against the EPC rules
first (`sepa_rules`: SEPA Latin set with transliteration of names and texts, lengths,
identifiers, amounts, IBAN, BIC, creditor identifier), then the XML is built with lxml and
validated against the official ISO 20022 XSD (`sepa_schema`) before it is returned. The
same input always gives the same bytes. The profiles are described in
docs/formats/payments.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from lxml import etree

from rempart.kernel.money import Cents, format_euros
from rempart.payments.sepa_rules import (
    NAME_MAX,
    REMITTANCE_MAX,
    SepaFileError,
    sepa_amount,
    sepa_bic,
    sepa_creditor_identifier,
    sepa_iban,
    sepa_identifier,
    sepa_text,
)
from rempart.payments.sepa_schema import PainMessage, SepaSchemaError, validate_pain

__all__ = [
    "Account",
    "CreditTransfer",
    "DirectDebit",
    "DirectDebitScheme",
    "PainMessage",
    "SepaFileError",
    "SepaSchemaError",
    "SequenceType",
    "credit_transfer_file",
    "direct_debit_file",
    "validate_pain",
]


@dataclass(frozen=True)
class Account:
    """A party's bank account. The name is transliterated to the SEPA Latin set in the
    file (at most 70 characters after that); IBAN and BIC may carry spaces."""

    name: str
    iban: str = field(repr=False)  # never an IBAN in a log line or a traceback
    bic: str


@dataclass(frozen=True)
class CreditTransfer:
    end_to_end_id: str  # <= 35 chars, SEPA charset, no spaces
    creditor: Account
    amount_cents: int  # > 0
    remittance_info: str  # unstructured, <= 140 chars after transliteration; "" omits it


@dataclass(frozen=True)
class DirectDebit:
    end_to_end_id: str
    debtor: Account
    amount_cents: int
    mandate_id: str  # the unique mandate reference (UMR), <= 35 chars
    mandate_signed_on: date
    remittance_info: str


class SequenceType(StrEnum):
    """Where a collection stands in its mandate's series. Since the 2016 rulebook a first
    collection may be sent as RCUR, which is therefore the default."""

    FIRST = "FRST"
    RECURRENT = "RCUR"
    FINAL = "FNAL"
    ONE_OFF = "OOFF"


class DirectDebitScheme(StrEnum):
    CORE = "CORE"
    B2B = "B2B"  # business debtors, no refund right; the mandate must be B2B too


@dataclass(frozen=True)
class _Party:
    name: str
    iban: str = field(repr=False)
    bic: str


def _party(account: Account, field: str) -> _Party:
    return _Party(
        name=sepa_text(account.name, field=f"{field}.name", max_length=NAME_MAX),
        iban=sepa_iban(account.iban, field=f"{field}.iban"),
        bic=sepa_bic(account.bic, field=f"{field}.bic"),
    )


def _timestamp(created_at: datetime) -> str:
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise SepaFileError("created_at must be timezone-aware", field="created_at")
    return created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unique_ids(ids: Sequence[str], collection: str) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(ids):
        if value in seen:
            raise SepaFileError(
                f"{collection}[{index}].end_to_end_id repeats "
                f"{collection}[{seen[value]}].end_to_end_id",
                field=f"{collection}[{index}].end_to_end_id",
            )
        seen[value] = index


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, tags: str, text: str) -> None:
    """`_path(p, "Id/IBAN", x)` adds <Id><IBAN>x</IBAN></Id> under p."""
    *outer, last = tags.split("/")
    for tag in outer:
        parent = _sub(parent, tag)
    _sub(parent, last, text)


def _amount(parent: etree._Element, tag: str, amount: str) -> None:
    element = _sub(parent, tag, amount)
    element.set("Ccy", "EUR")


def _group_header(
    parent: etree._Element, *, message_id: str, stamp: str, count: int, total: str, name: str
) -> None:
    header = _sub(parent, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", stamp)
    _sub(header, "NbOfTxs", str(count))
    _sub(header, "CtrlSum", total)
    _path(header, "InitgPty/Nm", name)


def _remittance(parent: etree._Element, text: str) -> None:
    if text:
        _path(parent, "RmtInf/Ustrd", text)


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _serialise(document: etree._Element) -> bytes:
    """UTF-8, indented, with the declaration banks' samples show; then the XSD check."""
    data = _DECLARATION + etree.tostring(document, encoding="UTF-8", pretty_print=True)
    validate_pain(data)
    return data


def _checked_header(message_id: str, batch: Sequence[object], collection: str) -> str:
    checked = sepa_identifier(message_id, field="message_id")
    if not batch:
        raise SepaFileError(f"{collection} must hold at least one transaction", field=collection)
    return checked


def credit_transfer_file(
    *,
    message_id: str,
    created_at: datetime,
    debtor: Account,
    execution_date: date,
    transfers: Sequence[CreditTransfer],
) -> bytes:
    """A pain.001.001.03 file: one payment information block debiting `debtor`'s account
    on `execution_date` (batch booking), one credit transfer per item, in the given order.
    The message id doubles as the payment information id."""
    message_id = _checked_header(message_id, transfers, "transfers")
    stamp = _timestamp(created_at)
    payer = _party(debtor, "debtor")
    rows = []
    for index, transfer in enumerate(transfers):
        field = f"transfers[{index}]"
        rows.append(
            (
                sepa_identifier(transfer.end_to_end_id, field=f"{field}.end_to_end_id"),
                sepa_amount(transfer.amount_cents, field=f"{field}.amount_cents"),
                _party(transfer.creditor, f"{field}.creditor"),
                sepa_text(
                    transfer.remittance_info,
                    field=f"{field}.remittance_info",
                    max_length=REMITTANCE_MAX,
                    required=False,
                ),
            )
        )
    _unique_ids([row[0] for row in rows], "transfers")
    total = format_euros(Cents(sum(transfer.amount_cents for transfer in transfers)))

    document = etree.Element("Document", nsmap={None: PainMessage.CREDIT_TRANSFER.namespace})
    initiation = _sub(document, "CstmrCdtTrfInitn")
    _group_header(
        initiation,
        message_id=message_id,
        stamp=stamp,
        count=len(rows),
        total=total,
        name=payer.name,
    )
    block = _sub(initiation, "PmtInf")
    _sub(block, "PmtInfId", message_id)
    _sub(block, "PmtMtd", "TRF")
    _sub(block, "BtchBookg", "true")
    _sub(block, "NbOfTxs", str(len(rows)))
    _sub(block, "CtrlSum", total)
    _path(block, "PmtTpInf/SvcLvl/Cd", "SEPA")
    _sub(block, "ReqdExctnDt", execution_date.isoformat())
    _path(block, "Dbtr/Nm", payer.name)
    _path(block, "DbtrAcct/Id/IBAN", payer.iban)
    _path(block, "DbtrAgt/FinInstnId/BIC", payer.bic)
    _sub(block, "ChrgBr", "SLEV")
    for end_to_end_id, amount, creditor, remittance in rows:
        item = _sub(block, "CdtTrfTxInf")
        _path(item, "PmtId/EndToEndId", end_to_end_id)
        _amount(_sub(item, "Amt"), "InstdAmt", amount)
        _path(item, "CdtrAgt/FinInstnId/BIC", creditor.bic)
        _path(item, "Cdtr/Nm", creditor.name)
        _path(item, "CdtrAcct/Id/IBAN", creditor.iban)
        _remittance(item, remittance)
    return _serialise(document)


def direct_debit_file(
    *,
    message_id: str,
    created_at: datetime,
    creditor: Account,
    creditor_scheme_id: str,
    collection_date: date,
    debits: Sequence[DirectDebit],
    sequence_type: SequenceType = SequenceType.RECURRENT,
    scheme: DirectDebitScheme = DirectDebitScheme.CORE,
) -> bytes:
    """A pain.008.001.02 file: one payment information block crediting `creditor`'s
    account on `collection_date`, under `creditor_scheme_id` (ICS), with one sequence type
    for all its debits, one direct debit per item in the given order. The message id
    doubles as the payment information id."""
    message_id = _checked_header(message_id, debits, "debits")
    stamp = _timestamp(created_at)
    payee = _party(creditor, "creditor")
    scheme_id = sepa_creditor_identifier(creditor_scheme_id, field="creditor_scheme_id")
    try:
        sequence, instrument = SequenceType(sequence_type), DirectDebitScheme(scheme)
    except ValueError:
        raise SepaFileError(
            "sequence_type must be FRST, RCUR, FNAL or OOFF and scheme CORE or B2B",
            field="sequence_type",
        ) from None
    rows = []
    for index, debit in enumerate(debits):
        field = f"debits[{index}]"
        if debit.mandate_signed_on > collection_date:
            raise SepaFileError(
                f"{field}.mandate_signed_on must not be after the collection date",
                field=f"{field}.mandate_signed_on",
            )
        rows.append(
            (
                sepa_identifier(debit.end_to_end_id, field=f"{field}.end_to_end_id"),
                sepa_amount(debit.amount_cents, field=f"{field}.amount_cents"),
                sepa_identifier(debit.mandate_id, field=f"{field}.mandate_id"),
                debit.mandate_signed_on.isoformat(),
                _party(debit.debtor, f"{field}.debtor"),
                sepa_text(
                    debit.remittance_info,
                    field=f"{field}.remittance_info",
                    max_length=REMITTANCE_MAX,
                    required=False,
                ),
            )
        )
    _unique_ids([row[0] for row in rows], "debits")
    total = format_euros(Cents(sum(debit.amount_cents for debit in debits)))

    document = etree.Element("Document", nsmap={None: PainMessage.DIRECT_DEBIT.namespace})
    initiation = _sub(document, "CstmrDrctDbtInitn")
    _group_header(
        initiation,
        message_id=message_id,
        stamp=stamp,
        count=len(rows),
        total=total,
        name=payee.name,
    )
    block = _sub(initiation, "PmtInf")
    _sub(block, "PmtInfId", message_id)
    _sub(block, "PmtMtd", "DD")
    _sub(block, "BtchBookg", "true")
    _sub(block, "NbOfTxs", str(len(rows)))
    _sub(block, "CtrlSum", total)
    payment_type = _sub(block, "PmtTpInf")
    _path(payment_type, "SvcLvl/Cd", "SEPA")
    _path(payment_type, "LclInstrm/Cd", instrument.value)
    _sub(payment_type, "SeqTp", sequence.value)
    _sub(block, "ReqdColltnDt", collection_date.isoformat())
    _path(block, "Cdtr/Nm", payee.name)
    _path(block, "CdtrAcct/Id/IBAN", payee.iban)
    _path(block, "CdtrAgt/FinInstnId/BIC", payee.bic)
    _sub(block, "ChrgBr", "SLEV")
    other = _sub(_sub(_sub(_sub(block, "CdtrSchmeId"), "Id"), "PrvtId"), "Othr")
    _sub(other, "Id", scheme_id)
    _path(other, "SchmeNm/Prtry", "SEPA")
    for end_to_end_id, amount, mandate_id, signed_on, debtor, remittance in rows:
        item = _sub(block, "DrctDbtTxInf")
        _path(item, "PmtId/EndToEndId", end_to_end_id)
        _amount(item, "InstdAmt", amount)
        mandate = _sub(_sub(item, "DrctDbtTx"), "MndtRltdInf")
        _sub(mandate, "MndtId", mandate_id)
        _sub(mandate, "DtOfSgntr", signed_on)
        _path(item, "DbtrAgt/FinInstnId/BIC", debtor.bic)
        _path(item, "Dbtr/Nm", debtor.name)
        _path(item, "DbtrAcct/Id/IBAN", debtor.iban)
        _remittance(item, remittance)
    return _serialise(document)
