"""Validation of pain files against the official ISO 20022 XSDs shipped in `schemas/`.

The schemas are the ISO 20022 message definitions (see `schemas/README.md` for where they
come from and their digests). The EPC's own restrictions on the input (character set,
lengths, identifiers) are checked earlier, in `sepa_rules`; what the ISO schema leaves
open in a file (euro amounts to the cent, control sums and counts) is checked here after
the schema.

Errors report the line, the element's name and the kind of violation, never the
offending text: libxml2's own messages quote values, which may be an IBAN or a name.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from importlib import resources

from lxml import etree

from rempart.payments.sepa_rules import SepaFileError

ISO_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"


class PainMessage(StrEnum):
    """The pain versions Rempart emits, named as their XSD and namespace are."""

    CREDIT_TRANSFER = "pain.001.001.03"
    DIRECT_DEBIT = "pain.008.001.02"

    @property
    def namespace(self) -> str:
        return ISO_NAMESPACE_PREFIX + self.value


class SepaSchemaError(SepaFileError):
    """A file breaks its pain XSD (or is not a well-formed pain file at all)."""

    code = "sepa-schema-violation"
    title = "A payment file does not conform to its ISO 20022 schema"


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network: a file handed back for checking may come
    # from anywhere.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def schema_path(message: PainMessage) -> resources.abc.Traversable:
    """Where the XSD of `message` lies inside the installed package."""
    return resources.files("rempart.payments").joinpath("schemas", f"{message.value}.xsd")


def load_schema(message: PainMessage) -> etree.XMLSchema:
    """A compiled schema, made for each validation: lxml validators keep the last error
    log on the object, so one shared between threads would mix their reports, and
    compiling takes a few milliseconds."""
    document = etree.fromstring(schema_path(message).read_bytes(), _parser())
    return etree.XMLSchema(document)


def validate_pain(data: bytes) -> PainMessage:
    """Check a pain.001.001.03 or pain.008.001.02 file against its XSD, then its amounts
    (euros, to the cent) and its control sums and counts; returns which message it is.
    Raises `SepaSchemaError` naming where the file is wrong, never quoting a value."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise SepaSchemaError(
            f"the file is not well-formed XML (line {error.lineno})", field="file"
        ) from None
    if root.getroottree().docinfo.doctype:
        raise SepaSchemaError("the file must not carry a DOCTYPE", field="file")
    namespace = etree.QName(root).namespace or ""
    messages = {message.namespace: message for message in PainMessage}
    message = messages.get(namespace)
    if message is None or etree.QName(root).localname != "Document":
        raise SepaSchemaError(
            "the file is not a pain.001.001.03 or pain.008.001.02 Document", field="file"
        )
    schema = load_schema(message)
    if not schema.validate(root):
        first = schema.error_log[0]
        raise SepaSchemaError(
            f"the file breaks the {message.value} schema at line {first.line}: "
            f"{_safe_reason(first.message, first.type_name)}",
            field="file",
        )
    _check_totals(root, message)
    return message


# Where each message keeps its transactions' amounts, below a payment information block.
_AMOUNTS = {
    PainMessage.CREDIT_TRANSFER: "p:CdtTrfTxInf/p:Amt/p:InstdAmt",
    PainMessage.DIRECT_DEBIT: "p:DrctDbtTxInf/p:InstdAmt",
}
_EURO_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,8})\.[0-9]{2}")


def _check_totals(root: etree._Element, message: PainMessage) -> None:
    """What the XSD leaves to the EPC rules: euro amounts to the cent, and every
    NbOfTxs / CtrlSum equal to the count and sum of the transactions they cover."""
    ns = {"p": message.namespace}
    grand_count, grand_sum = 0, Decimal(0)
    for index, block in enumerate(root.iterfind("*/p:PmtInf", ns), start=1):
        amounts = block.findall(_AMOUNTS[message], ns)
        for amount in amounts:
            if amount.get("Ccy") != "EUR" or not _EURO_AMOUNT.fullmatch(amount.text or ""):
                raise SepaSchemaError(
                    f"the file has an amount that is not euros to the cent "
                    f"(line {amount.sourceline})",
                    field="file",
                )
        count, total = len(amounts), sum((Decimal(a.text or "") for a in amounts), Decimal(0))
        _check_header(block, ns, count, total, f"payment information block {index}")
        grand_count, grand_sum = grand_count + count, grand_sum + total
    header = root.find("*/p:GrpHdr", ns)
    if header is not None:
        _check_header(header, ns, grand_count, grand_sum, "group header")


def _check_header(
    element: etree._Element, ns: dict[str, str], count: int, total: Decimal, where: str
) -> None:
    if element.findtext("p:NbOfTxs", namespaces=ns) != str(count):
        raise SepaSchemaError(
            f"the {where}'s NbOfTxs is not its number of transactions", field="file"
        )
    control_sum = element.findtext("p:CtrlSum", namespaces=ns)
    if control_sum is None or Decimal(control_sum) != total:
        raise SepaSchemaError(
            f"the {where}'s CtrlSum is not the sum of its transactions", field="file"
        )


_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([A-Za-z0-9]+)'")
_NAMESPACE = re.compile(r"\{[^}]*\}")


def _safe_reason(text: str, kind: str) -> str:
    """The failing element's name and libxml2's kind of violation (such as
    SCHEMAV_CVC_PATTERN_VALID). The free text is kept only for a wrong structure, where it
    lists element names; elsewhere it quotes the value, which may be an IBAN."""
    match = _ELEMENT.match(text)
    element = match.group(1) if match else "?"
    if kind == "SCHEMAV_ELEMENT_CONTENT":
        detail = _NAMESPACE.sub("", text.split(": ", 1)[-1]).strip()
        return f"element {element}: {detail}"
    return f"element {element}: {kind}"
