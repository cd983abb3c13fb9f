"""The rights-file format, pure: parsing, validation, rejection messages, writing."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rempart.registry.domain import (
    BeneficiaryStatement,
    Relationship,
    RightsPeriod,
    RightsStatus,
)
from rempart.registry.rights_file import (
    COLUMNS,
    FileFormatError,
    LineRejection,
    RejectionCode,
    detect_format,
    format_rights,
    parse_rights,
    read_lines,
    statement_from_record,
    statement_row,
    write_csv,
    write_jsonl,
)

from ..factories import france, statements


@cache
def sample() -> tuple[BeneficiaryStatement, ...]:
    world = france(60, seed=3)
    return tuple(statements(world, 60, seed=3))


def base() -> BeneficiaryStatement:
    return sample()[0]


def record(statement: BeneficiaryStatement | None = None, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(zip(COLUMNS, statement_row(statement or base()), strict=True))
    values.update(changes)
    return values


def csv_bytes(statements_: list[BeneficiaryStatement] | tuple[BeneficiaryStatement, ...]) -> bytes:
    buffer = io.StringIO()
    write_csv(statements_, buffer)
    return buffer.getvalue().encode("utf-8")


def jsonl_bytes(
    statements_: list[BeneficiaryStatement] | tuple[BeneficiaryStatement, ...],
) -> bytes:
    buffer = io.StringIO()
    write_jsonl(statements_, buffer)
    return buffer.getvalue().encode("utf-8")


def parse(data: bytes, file_format: str = "csv", **kwargs: Any) -> list[tuple[int, Any]]:
    return list(read_lines(io.BytesIO(data), file_format, **kwargs))


def header() -> bytes:
    return (",".join(COLUMNS) + "\n").encode()


def csv_line(values: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([values.get(c, "") for c in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def one_json(values: dict[str, Any]) -> BeneficiaryStatement | LineRejection:
    """One record through the JSON Lines reader: the statement or its rejection."""
    [(line_no, parsed)] = parse(json.dumps(values).encode() + b"\n", "jsonl")
    assert line_no == 1
    return parsed


def one_csv(values: dict[str, Any]) -> BeneficiaryStatement | LineRejection:
    [(line_no, parsed)] = parse(header() + csv_line(values))
    assert line_no == 2
    return parsed


def rejection(parsed: BeneficiaryStatement | LineRejection) -> LineRejection:
    assert isinstance(parsed, LineRejection), parsed
    return parsed


def assert_no_identifier(text: str, *values: str | None) -> None:
    for value in values:
        if value:
            assert value not in text
            assert value[:13] not in text


# --- round trips ----------------------------------------------------------------------


def test_csv_round_trip_of_generator_output() -> None:
    lines = sample()
    parsed = parse(csv_bytes(lines))
    assert [n for n, _ in parsed] == list(range(2, len(lines) + 2))
    assert [s for _, s in parsed] == list(lines)


def test_jsonl_round_trip_of_generator_output() -> None:
    lines = sample()
    parsed = parse(jsonl_bytes(lines), "jsonl")
    assert [n for n, _ in parsed] == list(range(1, len(lines) + 1))
    assert [s for _, s in parsed] == list(lines)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), count=st.integers(1, 40))
def test_round_trip_over_generator_seeds(seed: int, count: int) -> None:
    world = france(count, seed=seed)
    lines = statements(world, count, seed=seed)
    assert [s for _, s in parse(csv_bytes(lines))] == lines
    assert [s for _, s in parse(jsonl_bytes(lines), "jsonl")] == lines


# Names as files carry them: printable, trimmed, up to 100 characters, with the characters
# that stress CSV quoting (commas, semicolons, quotes) and non-ASCII letters.
_names = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
        blacklist_characters="\x85",
    )
    | st.sampled_from(list(",;\"'-")),
    min_size=1,
    max_size=100,
).filter(lambda s: s == s.strip() and bool(s))


@st.composite
def _periods(draw: st.DrawFn) -> tuple[RightsPeriod, ...]:
    count = draw(st.integers(1, 4))
    start = date(2015, 1, 1) + timedelta(days=draw(st.integers(0, 3000)))
    periods = []
    for position in range(count):
        length = draw(st.integers(0, 800))
        last = position == count - 1
        end = None if last and draw(st.booleans()) else start + timedelta(days=length)
        periods.append(RightsPeriod(start, end, draw(st.sampled_from(list(RightsStatus)))))
        if end is None:
            break
        start = end + timedelta(days=draw(st.integers(1, 400)))
    return tuple(periods)


@st.composite
def _statements(draw: st.DrawFn) -> BeneficiaryStatement:
    template = draw(st.sampled_from(sample()))
    return dataclasses.replace(
        template,
        last_name=draw(_names),
        first_name=draw(_names),
        birth_rank=draw(st.integers(1, 9)),
        birth_date=draw(st.sampled_from([template.birth_date, "19850000", "19851399"])),
        beneficiary_nir=draw(st.sampled_from([template.beneficiary_nir, None])),
        relationship=draw(st.sampled_from(list(Relationship))),
        rights=draw(_periods()),
        as_of=draw(st.dates(date(2000, 1, 1), date(2100, 12, 31))),
    )


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_statements(), min_size=1, max_size=5))
def test_write_then_read_gives_equal_statements(lines: list[BeneficiaryStatement]) -> None:
    assert [s for _, s in parse(csv_bytes(lines))] == lines
    assert [s for _, s in parse(jsonl_bytes(lines), "jsonl")] == lines


@settings(max_examples=200, deadline=None)
@given(periods=_periods())
def test_format_rights_then_parse_rights_is_identity(periods: tuple[RightsPeriod, ...]) -> None:
    assert parse_rights(format_rights(periods)) == periods


# --- reading: delimiters, BOM, line endings, line numbers --------------------------------


def test_semicolon_delimiter_is_detected() -> None:
    lines = sample()[:10]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    for statement in lines:
        writer.writerow(statement_row(statement))
    assert [s for _, s in parse(buffer.getvalue().encode())] == list(lines)


def test_bom_before_the_csv_header_is_ignored() -> None:
    lines = sample()[:5]
    assert [s for _, s in parse(b"\xef\xbb\xbf" + csv_bytes(lines))] == list(lines)


def test_bom_before_the_first_json_line_is_ignored() -> None:
    lines = sample()[:5]
    assert [s for _, s in parse(b"\xef\xbb\xbf" + jsonl_bytes(lines), "jsonl")] == list(lines)


def test_crlf_line_endings_and_blank_lines() -> None:
    lines = sample()[:3]
    data = csv_bytes(lines).replace(b"\n", b"\r\n")
    head, first, *rest = data.split(b"\r\n", 2)
    data = head + b"\r\n" + first + b"\r\n\r\n   \r\n" + b"".join(rest)
    parsed = parse(data)
    # Blank lines are skipped but still counted: numbers are what an editor shows.
    assert [n for n, _ in parsed] == [2, 5, 6]
    assert [s for _, s in parsed] == list(lines)


def test_header_columns_in_any_order_and_case_without_optional_column() -> None:
    columns = [c for c in reversed(COLUMNS) if c != "beneficiary_nir"]
    values = record()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.upper() for c in columns])
    writer.writerow([values[c] for c in columns])
    [(_, parsed)] = parse(buffer.getvalue().encode())
    assert parsed == dataclasses.replace(base(), beneficiary_nir=None)


def test_skip_through_reads_but_does_not_parse_earlier_lines() -> None:
    lines = sample()[:6]
    data = csv_bytes(lines)
    parsed = parse(data, skip_through=4)
    assert [n for n, _ in parsed] == [5, 6, 7]
    assert [s for _, s in parsed] == list(lines[3:])
    assert parse(jsonl_bytes(lines), "jsonl", skip_through=4) == [
        (5, lines[4]),
        (6, lines[5]),
    ]


@pytest.mark.parametrize(
    ("name", "explicit", "expected"),
    [
        ("rights.csv", None, "csv"),
        ("rights.jsonl", None, "jsonl"),
        ("RIGHTS.NDJSON", None, "jsonl"),
        ("rights.txt", None, "csv"),
        ("rights.csv", "JSONL", "jsonl"),
    ],
)
def test_detect_format(name: str, explicit: str | None, expected: str) -> None:
    assert detect_format(name, explicit) == expected


def test_detect_format_refuses_unknown_formats() -> None:
    with pytest.raises(FileFormatError):
        detect_format("rights.xml", "xml")


# --- whole-file errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"amc_number,member_number\n",
        (",".join(c for c in COLUMNS if c != "rights") + "\n").encode(),
        (",".join([*COLUMNS, "comment"]) + "\n").encode(),
        (",".join([*COLUMNS, "as_of"]) + "\n").encode(),
        b"\xff\xfe" + header(),
    ],
    ids=["empty", "missing-columns", "no-rights", "unknown-column", "twice", "not-utf8"],
)
def test_bad_or_missing_header_refuses_the_file(data: bytes) -> None:
    with pytest.raises(FileFormatError):
        parse(data + csv_line(record()))


def test_empty_csv_file_is_refused() -> None:
    with pytest.raises(FileFormatError, match="empty"):
        parse(b"")


@pytest.mark.parametrize("data", [b"", b"\n\n  \n"])
def test_empty_jsonl_file_is_refused(data: bytes) -> None:
    with pytest.raises(FileFormatError, match="empty"):
        parse(data, "jsonl")


def test_header_only_csv_has_no_lines() -> None:
    assert parse(header()) == []


def test_a_file_without_its_header_is_refused_without_echoing_its_data() -> None:
    lines = sample()[:3]
    data = csv_bytes(lines).split(b"\n", 1)[1]
    with pytest.raises(FileFormatError) as caught:
        parse(data)
    message = str(caught.value)
    for statement in lines:
        assert_no_identifier(message, statement.insured_nir, statement.beneficiary_nir)
        assert statement.member_number.lower() not in message.lower()
        assert statement.last_name.lower() not in message.lower()
    assert "position" in message


# --- parse_rights ------------------------------------------------------------------------


def test_parse_rights_csv_form() -> None:
    assert parse_rights("2024-01-01/2024-12-31/open;2025-02-01//suspended") == (
        RightsPeriod(date(2024, 1, 1), date(2024, 12, 31), RightsStatus.OPEN),
        RightsPeriod(date(2025, 2, 1), None, RightsStatus.SUSPENDED),
    )


def test_parse_rights_status_defaults_to_open_and_ignores_case_and_spaces() -> None:
    assert parse_rights(" 2024-01-01/ ; 2023-01-01/2023-06-30/ CLOSED ") == (
        RightsPeriod(date(2024, 1, 1), None, RightsStatus.OPEN),
        RightsPeriod(date(2023, 1, 1), date(2023, 6, 30), RightsStatus.CLOSED),
    )


def test_parse_rights_json_list_form() -> None:
    assert parse_rights(
        [
            {"start": "2024-01-01", "end": "2024-12-31", "status": "closed"},
            {"start": "2025-01-01", "end": None},
            {"start": "2026-01-01", "end": ""},
        ]
    ) == (
        RightsPeriod(date(2024, 1, 1), date(2024, 12, 31), RightsStatus.CLOSED),
        RightsPeriod(date(2025, 1, 1), None, RightsStatus.OPEN),
        RightsPeriod(date(2026, 1, 1), None, RightsStatus.OPEN),
    )


def test_json_line_may_give_rights_as_a_list_or_as_a_string() -> None:
    periods = [{"start": "2024-01-01", "end": "2024-12-31", "status": "open"}]
    as_list = one_json(record(rights=periods))
    as_string = one_json(record(rights="2024-01-01/2024-12-31/open"))
    assert isinstance(as_list, BeneficiaryStatement)
    assert as_list == as_string
    assert as_list.rights == (RightsPeriod(date(2024, 1, 1), date(2024, 12, 31)),)


@pytest.mark.parametrize(
    ("rights", "code"),
    [
        ("", RejectionCode.MISSING_FIELD),
        ([], RejectionCode.MISSING_FIELD),
        (None, RejectionCode.MISSING_FIELD),
        ("2024-01-01", RejectionCode.INVALID_FIELD),
        ("2024-01-01/2024-02-01/open/x", RejectionCode.INVALID_FIELD),
        ("2024-01-01/2024-02-01/pending", RejectionCode.INVALID_FIELD),
        ("01/02/2024", RejectionCode.INVALID_FIELD),
        ("2024-02-30/", RejectionCode.INVALID_FIELD),
        ("2024-1-1/", RejectionCode.INVALID_FIELD),
        ("/2024-12-31", RejectionCode.INVALID_FIELD),
        ("2024-12-31/2024-01-01", RejectionCode.INVALID_FIELD),
        ("2024-01-01/;", RejectionCode.INVALID_FIELD),
        (42, RejectionCode.INVALID_FIELD),
        (["2024-01-01/"], RejectionCode.INVALID_FIELD),
        ([{"end": "2024-12-31"}], RejectionCode.INVALID_FIELD),
        ("2024-01-01/2024-12-31;2024-06-01/", RejectionCode.OVERLAPPING_RIGHTS),
        ("2024-01-01/;2025-01-01/2025-03-01", RejectionCode.OVERLAPPING_RIGHTS),
        ("2024-01-01/2024-12-31;2024-12-31/", RejectionCode.OVERLAPPING_RIGHTS),
    ],
)
def test_bad_rights_are_rejected(rights: Any, code: RejectionCode) -> None:
    reject = rejection(one_json(record(rights=rights)))
    assert (reject.code, reject.field) == (code, "rights")


def test_adjacent_periods_do_not_overlap() -> None:
    parsed = one_csv(record(rights="2024-01-01/2024-12-31;2025-01-01/"))
    assert isinstance(parsed, BeneficiaryStatement)
    assert len(parsed.rights) == 2


# --- statement_from_record ---------------------------------------------------------------


def test_statement_from_record_accepts_a_valid_record() -> None:
    assert statement_from_record(record()) == base()


def test_identifiers_are_compacted_and_upper_cased() -> None:
    nir = base().insured_nir
    spaced = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    statement = statement_from_record(
        record(
            insured_nir=spaced,
            member_number=" " + base().member_number.lower() + " ",
            relationship="INSURED",
            amc_number=f" {base().amc_number} ",
        )
    )
    assert statement.insured_nir == nir
    assert statement.member_number == base().member_number
    assert statement.amc_number == base().amc_number


@pytest.mark.parametrize("birth_date", ["19850000", "19850015", "19851300", "19851399", "19850231"])
def test_lunar_birth_dates_are_accepted_exactly_as_given(birth_date: str) -> None:
    for parsed in (
        one_csv(record(birth_date=birth_date)),
        one_json(record(birth_date=birth_date)),
    ):
        assert isinstance(parsed, BeneficiaryStatement)
        assert parsed.birth_date == birth_date


def test_empty_or_absent_beneficiary_nir_is_accepted() -> None:
    empty_csv = one_csv(record(beneficiary_nir=""))
    empty_json = one_json(record(beneficiary_nir=""))
    values = record()
    del values["beneficiary_nir"]
    absent_json = one_json(values)
    null_json = one_json(record(beneficiary_nir=None))
    expected = dataclasses.replace(base(), beneficiary_nir=None)
    assert empty_csv == empty_json == absent_json == null_json == expected


def test_json_birth_rank_may_be_a_number() -> None:
    parsed = one_json(record(birth_rank=2))
    assert isinstance(parsed, BeneficiaryStatement)
    assert parsed.birth_rank == 2


def _bad_key(nir: str) -> str:
    key = int(nir[13:])
    return nir[:13] + f"{(key % 97) + 1:02d}"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"insured_nir": "bad-key"}, RejectionCode.INVALID_FIELD, "insured_nir"),
        ({"beneficiary_nir": "bad-key"}, RejectionCode.INVALID_FIELD, "beneficiary_nir"),
        ({"insured_nir": "1234"}, RejectionCode.INVALID_FIELD, "insured_nir"),
        ({"insured_nir": "385057512345678"}, RejectionCode.INVALID_FIELD, "insured_nir"),
        ({"birth_rank": "0"}, RejectionCode.INVALID_FIELD, "birth_rank"),
        ({"birth_rank": "10"}, RejectionCode.INVALID_FIELD, "birth_rank"),
        ({"birth_rank": "x"}, RejectionCode.INVALID_FIELD, "birth_rank"),
        ({"birth_rank": "-1"}, RejectionCode.INVALID_FIELD, "birth_rank"),
        ({"birth_date": "1985-01-01"}, RejectionCode.INVALID_FIELD, "birth_date"),
        ({"birth_date": "18000101"}, RejectionCode.INVALID_FIELD, "birth_date"),
        ({"amc_number": "12345678"}, RejectionCode.INVALID_FIELD, "amc_number"),
        ({"member_number": "AB/12"}, RejectionCode.INVALID_FIELD, "member_number"),
        ({"member_number": "A" * 21}, RejectionCode.INVALID_FIELD, "member_number"),
        ({"contract_code": "BASE PLUS!"}, RejectionCode.INVALID_FIELD, "contract_code"),
        ({"agreement_type": "TOO-LONG-9"}, RejectionCode.INVALID_FIELD, "agreement_type"),
        ({"relationship": "cousin"}, RejectionCode.INVALID_FIELD, "relationship"),
        ({"last_name": "X" * 101}, RejectionCode.INVALID_FIELD, "last_name"),
        ({"first_name": "Ann\x07e"}, RejectionCode.INVALID_FIELD, "first_name"),
        ({"as_of": "28/11/2026"}, RejectionCode.INVALID_FIELD, "as_of"),
        ({"as_of": "2026-02-30"}, RejectionCode.INVALID_FIELD, "as_of"),
    ],
)
def test_invalid_fields_are_rejected_by_name(
    changes: dict[str, str], code: RejectionCode, field: str
) -> None:
    values = record(
        **{
            name: _bad_key(base().insured_nir) if value == "bad-key" else value
            for name, value in changes.items()
        }
    )
    for parsed in (one_csv(values), one_json(values)):
        reject = rejection(parsed)
        assert (reject.code, reject.field) == (code, field)
        assert_no_identifier(reject.message, base().insured_nir, values["insured_nir"])


@pytest.mark.parametrize("column", [c for c in COLUMNS if c != "beneficiary_nir"])
def test_missing_required_field_is_rejected(column: str) -> None:
    reject = rejection(one_csv(record(**{column: ""})))
    assert (reject.code, reject.field) == (RejectionCode.MISSING_FIELD, column)
    reject = rejection(one_csv(record(**{column: "   "})))
    assert reject.field == column
    # Blank rights read as one malformed period; every other blank field as missing.
    assert reject.code == (
        RejectionCode.INVALID_FIELD if column == "rights" else RejectionCode.MISSING_FIELD
    )
    values = record()
    del values[column]
    reject = rejection(one_json(values))
    assert (reject.code, reject.field) == (RejectionCode.MISSING_FIELD, column)


def test_json_field_of_the_wrong_type_is_rejected() -> None:
    reject = rejection(one_json(record(last_name=["A", "B"])))
    assert (reject.code, reject.field) == (RejectionCode.INVALID_FIELD, "last_name")


# --- line-level syntax and encoding --------------------------------------------------------


def test_invalid_utf8_line_is_rejected_and_the_rest_read() -> None:
    lines = sample()[:3]
    head, first, second, third, _ = csv_bytes(lines).split(b"\n")
    bad = second.replace(b",", b",\xff\xfe", 1)
    parsed = parse(b"\n".join([head, first, bad, third, b""]))
    assert [n for n, _ in parsed] == [2, 3, 4]
    assert parsed[0][1] == lines[0]
    assert parsed[2][1] == lines[2]
    reject = rejection(parsed[1][1])
    assert (reject.line_no, reject.code) == (3, RejectionCode.ENCODING)


def test_latin1_name_in_a_utf8_file_is_an_encoding_rejection() -> None:
    line = csv_line(record(last_name="HÉLÈNE")).replace("É".encode(), b"\xc9")
    [(_, parsed)] = parse(header() + line)
    assert rejection(parsed).code == RejectionCode.ENCODING


@pytest.mark.parametrize(
    "make_line",
    [
        lambda line: line.rsplit(b",", 1)[0] + b"\n",  # a field short
        lambda line: line.rstrip(b"\n") + b",extra\n",  # a field too many
        lambda line: line.replace(b",", b";"),  # wrong delimiter: one field
        lambda line: b'"unterminated,' + line,  # quoting never closed
        lambda line: line.replace(b",", b',"a"b', 1),  # text after a closing quote
    ],
    ids=["short", "long", "delimiter", "open-quote", "after-quote"],
)
def test_malformed_csv_line_is_a_syntax_rejection(make_line: Any) -> None:
    good = csv_line(record())
    parsed = parse(header() + good + make_line(good) + good)
    assert [n for n, _ in parsed] == [2, 3, 4]
    reject = rejection(parsed[1][1])
    assert (reject.line_no, reject.code) == (3, RejectionCode.SYNTAX)
    assert parsed[0][1] == parsed[2][1] == base()
    assert_no_identifier(reject.message, base().insured_nir)


@pytest.mark.parametrize(
    "line",
    [b"{not json", b"[1, 2]", b'"text"', b"null", b'{"amc_number": "1"'],
)
def test_bad_json_line_is_a_syntax_rejection(line: bytes) -> None:
    good = json.dumps(record()).encode()
    parsed = parse(b"\n".join([good, line, good]) + b"\n", "jsonl")
    reject = rejection(parsed[1][1])
    assert (reject.line_no, reject.code) == (2, RejectionCode.SYNTAX)
    assert parsed[0][1] == parsed[2][1] == base()


def test_unknown_json_field_is_a_syntax_rejection_that_does_not_echo_values() -> None:
    reject = rejection(one_json(record(comment="x")))
    assert reject.code == RejectionCode.SYNTAX
    assert "comment" in reject.message
    nir = base().insured_nir
    reject = rejection(one_json({**record(), nir: "value"}))
    assert reject.code == RejectionCode.SYNTAX
    assert_no_identifier(reject.message, nir)


# --- no NIR ever leaves in a message --------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    statement=st.sampled_from(sample()),
    field=st.sampled_from(["insured_nir", "beneficiary_nir"]),
    position=st.integers(0, 14),
    replacement=st.characters(codec="ascii", exclude_characters="\n\r"),
)
def test_rejections_never_contain_the_nir(
    statement: BeneficiaryStatement, field: str, position: int, replacement: str
) -> None:
    nir = statement.insured_nir
    broken = nir[:position] + replacement + nir[position + 1 :]
    values = record(statement, **{field: broken})
    for parsed in (one_csv(values), one_json(values)):
        if isinstance(parsed, LineRejection):
            text = f"{parsed.code} {parsed.field} {parsed.message}"
            assert_no_identifier(text, nir, broken, statement.beneficiary_nir)


# --- streaming -----------------------------------------------------------------------------


def test_reading_streams_in_constant_memory() -> None:
    """The reader holds one line at a time: its peak does not grow with the file."""
    rows = csv_bytes(sample()).splitlines(keepends=True)

    def lines(count: int) -> Iterator[bytes]:
        yield rows[0]
        for position in range(count):
            yield rows[1 + position % (len(rows) - 1)]

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            consumed = sum(1 for _ in read_lines(lines(count), "csv"))  # type: ignore[arg-type]
            highest = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert consumed == count
        return highest

    # tracemalloc counts every thread's allocations: another thread's (a database's
    # checkpoints, a shield's alert store) can only raise a peak, so the least of three
    # runs is the reader's own.
    small = min(peak(200) for _ in range(3))
    large = min(peak(4_000) for _ in range(3))
    assert large < small * 1.5 + 64_000
