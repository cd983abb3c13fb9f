"""The insurers' rights-file format (docs/formats/rights-file.md), pure.

A file is CSV (header line, `,` or `;` separated) or JSON Lines. Each line states one
beneficiary completely; `parse_*` turn a line into a `BeneficiaryStatement` or a
`LineRejection` that names the field and the rule, never the value.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import IO, Any

from rempart.kernel.errors import InvalidInput
from rempart.kernel.identifiers import (
    BirthDateOnCard,
    Nir,
    parse_amc_number,
    parse_birth_rank,
)
from rempart.registry.domain import (
    BeneficiaryStatement,
    Relationship,
    RightsPeriod,
    RightsStatus,
)

COLUMNS = (
    "amc_number",
    "member_number",
    "contract_code",
    "agreement_type",
    "insured_nir",
    "beneficiary_nir",
    "birth_date",
    "birth_rank",
    "relationship",
    "last_name",
    "first_name",
    "rights",
    "as_of",
)
OPTIONAL = frozenset({"beneficiary_nir"})


class RejectionCode(StrEnum):
    """Stable codes, documented with French and English labels in the format doc."""

    ENCODING = "I-ENCODING"
    SYNTAX = "I-SYNTAX"
    MISSING_FIELD = "I-MISSING-FIELD"
    INVALID_FIELD = "I-INVALID-FIELD"
    OVERLAPPING_RIGHTS = "I-RIGHTS-OVERLAP"
    UNKNOWN_AMC = "I-UNKNOWN-AMC"
    INSURER_SUSPENDED = "I-AMC-SUSPENDED"
    UNKNOWN_CONTRACT = "I-UNKNOWN-CONTRACT"
    DUPLICATE = "I-DUPLICATE"
    STALE = "I-STALE"
    OTHER_AMC = "I-OTHER-AMC"  # an insurer's own upload naming another insurer


@dataclass(frozen=True, slots=True)
class LineRejection:
    line_no: int
    code: RejectionCode
    message: str
    field: str | None = None


class FileFormatError(InvalidInput):
    """The file as a whole cannot be read (no header, unknown format): nothing imported."""


_MEMBER_NUMBER = re.compile(r"^[A-Z0-9]{1,20}$")
_CODE = re.compile(r"^[A-Z0-9_-]{1,20}$")
_AGREEMENT = re.compile(r"^[A-Z0-9]{1,8}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FIELD_NAME = re.compile(r"^[a-z_]{1,40}$")


class _Reject(Exception):
    def __init__(self, code: RejectionCode, message: str, field: str | None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def _required(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if type(value) is str:  # the common case, kept short: this runs 11 times a line
        stripped = value.strip()
        if stripped:
            return stripped
        raise _Reject(RejectionCode.MISSING_FIELD, f"{name} is missing", name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Reject(RejectionCode.MISSING_FIELD, f"{name} is missing", name)
    if not isinstance(value, (str, int)):
        raise _Reject(RejectionCode.INVALID_FIELD, f"{name} must be a string", name)
    return str(value).strip()


def _pattern(value: str, pattern: re.Pattern[str], name: str, rule: str) -> str:
    compact = value.replace(" ", "").upper()
    if not pattern.match(compact):
        raise _Reject(RejectionCode.INVALID_FIELD, f"{name} must be {rule}", name)
    return compact


def _name(value: str, field: str) -> str:
    if len(value) > 100 or _CONTROL.search(value):
        raise _Reject(
            RejectionCode.INVALID_FIELD, f"{field} must be 1-100 printable characters", field
        )
    return value


def _iso_date(text: str, field: str) -> date:
    if not _ISO_DATE.match(text):
        raise _Reject(RejectionCode.INVALID_FIELD, f"{field} dates are YYYY-MM-DD", field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Reject(
            RejectionCode.INVALID_FIELD, f"{field} has an impossible date", field
        ) from None


def parse_rights(value: Any) -> tuple[RightsPeriod, ...]:
    """CSV: `START/END/STATUS` periods separated by `;` (END empty = open-ended, STATUS
    defaults to open). JSON: the same string, or a list of {start, end, status}."""
    items: list[tuple[str, str, str]] = []
    if isinstance(value, str):
        for chunk in value.split(";"):
            parts = chunk.strip().split("/")
            if len(parts) not in (2, 3):
                raise _Reject(
                    RejectionCode.INVALID_FIELD, "rights periods are START/END[/STATUS]", "rights"
                )
            items.append((parts[0], parts[1], parts[2] if len(parts) == 3 else "open"))
    elif isinstance(value, list) and all(isinstance(p, dict) for p in value):
        for period in value:
            items.append(
                (
                    str(period.get("start") or ""),
                    str(period.get("end") or ""),
                    str(period.get("status") or "open"),
                )
            )
    else:
        raise _Reject(RejectionCode.INVALID_FIELD, "rights must be a string or a list", "rights")
    if not items:
        raise _Reject(RejectionCode.MISSING_FIELD, "rights is missing", "rights")
    periods = []
    for start, end, status in items:
        try:
            status_value = RightsStatus(status.strip().lower())
        except ValueError:
            raise _Reject(
                RejectionCode.INVALID_FIELD, "rights status is open, suspended or closed", "rights"
            ) from None
        try:
            periods.append(
                RightsPeriod(
                    _iso_date(start.strip(), "rights"),
                    _iso_date(end.strip(), "rights") if end.strip() else None,
                    status_value,
                )
            )
        except InvalidInput as exc:
            raise _Reject(RejectionCode.INVALID_FIELD, exc.message, "rights") from None
    return tuple(periods)


def statement_from_record(record: dict[str, Any]) -> BeneficiaryStatement:
    """Validate one record (a dict of the file's columns). Raises `_Reject`."""
    try:
        amc_number = parse_amc_number(_required(record, "amc_number"))
        insured_nir = Nir.parse(_required(record, "insured_nir"), field="insured_nir").value
        raw_beneficiary_nir = record.get("beneficiary_nir")
        beneficiary_nir = (
            Nir.parse(str(raw_beneficiary_nir), field="beneficiary_nir").value
            if raw_beneficiary_nir not in (None, "")
            else None
        )
        birth_date = BirthDateOnCard.parse(_required(record, "birth_date")).value
        birth_rank = parse_birth_rank(_required(record, "birth_rank"))
    except InvalidInput as exc:
        raise _Reject(RejectionCode.INVALID_FIELD, exc.message, exc.field) from None
    member_number = _pattern(
        _required(record, "member_number"),
        _MEMBER_NUMBER,
        "member_number",
        "1-20 letters or digits",
    )
    contract_code = _pattern(
        _required(record, "contract_code"), _CODE, "contract_code", "1-20 letters, digits, - or _"
    )
    agreement_type = _pattern(
        _required(record, "agreement_type"), _AGREEMENT, "agreement_type", "1-8 letters or digits"
    )
    relationship_text = _required(record, "relationship").lower()
    try:
        relationship = Relationship(relationship_text)
    except ValueError:
        raise _Reject(
            RejectionCode.INVALID_FIELD,
            "relationship is insured, spouse, child or other",
            "relationship",
        ) from None
    rights = parse_rights(record.get("rights") if record.get("rights") not in (None, "") else [])
    as_of = _iso_date(_required(record, "as_of"), "as_of")
    try:
        return BeneficiaryStatement(
            amc_number=amc_number,
            member_number=member_number,
            contract_code=contract_code,
            agreement_type=agreement_type,
            insured_nir=insured_nir,
            beneficiary_nir=beneficiary_nir,
            birth_date=birth_date,
            birth_rank=birth_rank,
            relationship=relationship,
            last_name=_name(_required(record, "last_name"), "last_name"),
            first_name=_name(_required(record, "first_name"), "first_name"),
            rights=rights,
            as_of=as_of,
        )
    except InvalidInput as exc:
        code = (
            RejectionCode.OVERLAPPING_RIGHTS
            if "overlap" in exc.message
            else RejectionCode.INVALID_FIELD
        )
        raise _Reject(code, exc.message, exc.field) from None


ParsedLine = tuple[int, BeneficiaryStatement | LineRejection]


def detect_format(name: str, explicit: str | None = None) -> str:
    chosen = (explicit or "").lower() or (
        "jsonl" if name.lower().endswith((".jsonl", ".ndjson")) else "csv"
    )
    if chosen not in ("csv", "jsonl"):
        raise FileFormatError(f"unknown rights-file format {chosen!r}: csv or jsonl")
    return chosen


def read_lines(
    stream: Iterable[bytes], file_format: str, *, skip_through: int = 0
) -> Iterator[ParsedLine]:
    """Stream (line number, statement or rejection), one line at a time in constant memory.

    Lines up to `skip_through` are read but not parsed (resuming after a checkpoint).
    Line numbers count physical lines from 1, header included, as an editor shows them.
    """
    header: list[str] | None = None
    delimiter = ","
    content = False
    for line_no, raw in enumerate(stream, start=1):
        if file_format == "csv" and header is None:
            header, delimiter = _read_header(raw)
            continue
        if line_no <= skip_through:
            content = True
            continue
        try:
            # A byte-order mark may open a JSON Lines file as it may a CSV header.
            text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError:
            content = True
            yield line_no, LineRejection(line_no, RejectionCode.ENCODING, "line is not valid UTF-8")
            continue
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        content = True
        try:
            if file_format == "csv":
                assert header is not None
                record = _csv_record(text, header, delimiter)
            else:
                record = _json_record(text)
            yield line_no, statement_from_record(record)
        except _Reject as reject:
            yield line_no, LineRejection(line_no, reject.code, reject.message, reject.field)
    if file_format == "csv" and header is None:
        raise FileFormatError("the CSV file is empty: a header line is required")
    if file_format != "csv" and not content:
        raise FileFormatError("the JSON Lines file is empty")


def _read_header(raw: bytes) -> tuple[list[str], str]:
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise FileFormatError("the header line is not valid UTF-8") from None
    delimiter = ";" if text.count(";") > text.count(",") else ","
    names = [n.strip().lower() for n in next(csv.reader([text], delimiter=delimiter))]
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL]
    # By position, never by name: a file without its header has data (NIRs) here.
    unknown = [str(position) for position, n in enumerate(names, start=1) if n not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        details = []
        if missing:
            details.append("missing " + ", ".join(missing))
        if unknown:
            details.append("unknown column at position " + ", ".join(unknown[:5]))
        if len(set(names)) != len(names):
            details.append("a column appears twice")
        raise FileFormatError("the CSV header is not a rights file: " + "; ".join(details))
    return names, delimiter


def _csv_record(text: str, header: list[str], delimiter: str) -> dict[str, Any]:
    if '"' in text:
        try:
            values = next(csv.reader([text], delimiter=delimiter, strict=True))
        except csv.Error:
            raise _Reject(RejectionCode.SYNTAX, "malformed CSV quoting", None) from None
    else:
        values = text.split(delimiter)  # no quoting: what the csv module would return
    if len(values) != len(header):
        raise _Reject(
            RejectionCode.SYNTAX, f"expected {len(header)} fields, found {len(values)}", None
        )
    return dict(zip(header, values, strict=True))


def _json_record(text: str) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):  # malformed, absurdly long numbers, deep nesting
        raise _Reject(RejectionCode.SYNTAX, "line is not a JSON object", None) from None
    if not isinstance(record, dict):
        raise _Reject(RejectionCode.SYNTAX, "line is not a JSON object", None)
    unknown = sorted(set(record) - set(COLUMNS))
    if unknown:
        # Named only when it looks like a column name: a key could be a value (a NIR).
        name = unknown[0] if _FIELD_NAME.match(unknown[0]) else "(not shown)"
        raise _Reject(RejectionCode.SYNTAX, "unknown field " + name, None)
    return record


# --- writing (export, tests, benchmarks) -------------------------------------------------


def format_rights(periods: Iterable[RightsPeriod]) -> str:
    return ";".join(
        f"{p.start.isoformat()}/{p.end.isoformat() if p.end else ''}/{p.status.value}"
        for p in periods
    )


def statement_row(statement: BeneficiaryStatement) -> list[str]:
    return [
        statement.amc_number,
        statement.member_number,
        statement.contract_code,
        statement.agreement_type,
        statement.insured_nir,
        statement.beneficiary_nir or "",
        statement.birth_date,
        str(statement.birth_rank),
        statement.relationship.value,
        statement.last_name,
        statement.first_name,
        format_rights(statement.rights),
        statement.as_of.isoformat(),
    ]


def write_csv(statements: Iterable[BeneficiaryStatement], stream: IO[str]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for statement in statements:
        writer.writerow(statement_row(statement))
        count += 1
    return count


def write_jsonl(statements: Iterable[BeneficiaryStatement], stream: IO[str]) -> int:
    count = 0
    for statement in statements:
        stream.write(json.dumps(dict(zip(COLUMNS, statement_row(statement), strict=True))) + "\n")
        count += 1
    return count


def csv_text(statements: Iterable[BeneficiaryStatement]) -> str:
    buffer = io.StringIO()
    write_csv(statements, buffer)
    return buffer.getvalue()
