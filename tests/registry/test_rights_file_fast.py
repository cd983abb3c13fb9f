"""The fast path for canonical CSV lines decides nothing on its own: for any line it
either gives exactly the statement the full validation gives, or hands the line back
(None) so that the full path accepts it or rejects it with its own reason."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rempart.registry.domain import BeneficiaryStatement
from rempart.registry.rights_file import (
    COLUMNS,
    _CanonicalCsvLine,
    _csv_record,
    _Reject,
    statement_from_record,
    statement_row,
)

from .test_rights_file import sample


def full_path(text: str, header: list[str], delimiter: str) -> BeneficiaryStatement | None:
    try:
        return statement_from_record(_csv_record(text, header, delimiter))
    except _Reject:
        return None


def line(values: dict[str, str], header: list[str], delimiter: str) -> str:
    return delimiter.join(values.get(column, "") for column in header)


def canonical_values(statement: BeneficiaryStatement) -> dict[str, str]:
    return dict(zip(COLUMNS, statement_row(statement), strict=True))


HEADERS = [
    list(COLUMNS),
    list(reversed(COLUMNS)),
    [c for c in COLUMNS if c != "beneficiary_nir"],
]

# Variations of one field: the near misses the full path normalises or rejects.
_ALPHABET = st.sampled_from(
    [*"0123456789AZaz2B-_/;, .é\t\x00\x7f\u00a0\u2003\x1cß", "2A", "open", "OPEN"]
)
_MUTATIONS = st.one_of(
    st.lists(_ALPHABET, max_size=24).map("".join),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "2021-02-30//open",
            "2021-01-01/2020-01-01/open",
            "2021-01-01//open;2022-01-01//open",
            "2021-01-01/2021-06-30/closed;2021-07-01//suspended",
            "2021-01-01/2021-06-30;2021-06-30/",
            "2021-01-01",
            "2021-01-01//OPEN",
            "2021-01-01//open ",
            "١٢٣٤-01-01//open",
            "18500101",
            "18491231",
            "21991231",
            "22000101",
            "insured",
            "Insured",
            "x" * 100,
            "x" * 101,
            " Dupont",
            "Dupont ",
            "Du pont",
            "185057800608436",
            "185057800608437",
            "2850578006084 36",
            "1851378006084",
            "285052A00608436",
            "0",
            "10",
        ]
    ),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    header=st.sampled_from(HEADERS),
    delimiter=st.sampled_from([",", ";"]),
    changes=st.integers(0, 3),
)
def test_the_fast_path_agrees_with_the_full_validation(
    data: st.DataObject, header: list[str], delimiter: str, changes: int
) -> None:
    values = canonical_values(data.draw(st.sampled_from(sample())))
    for _ in range(changes):
        values[data.draw(st.sampled_from(header))] = data.draw(_MUTATIONS)
    text = line(values, header, delimiter)
    if '"' in text or "\n" in text or "\r" in text:
        return  # quoted lines and line breaks never reach the fast path
    fast = _CanonicalCsvLine(header, delimiter).parse(text)
    if fast is not None:
        assert fast == full_path(text, header, delimiter)


@pytest.mark.parametrize("header", HEADERS, ids=["in-order", "reversed", "no-optional"])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_machine_written_lines_take_the_fast_path(header: list[str], delimiter: str) -> None:
    reader = _CanonicalCsvLine(header, delimiter)
    taken = 0
    for statement in sample():
        values = canonical_values(statement)
        if delimiter == ";" and ";" in values["rights"]:
            continue  # several periods are quoted in a `;`-separated file
        if "beneficiary_nir" not in header and statement.beneficiary_nir:
            continue
        text = line(values, header, delimiter)
        fast = reader.parse(text)
        assert fast is not None
        assert fast == full_path(text, header, delimiter) == statement
        taken += 1
    assert taken


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("insured_nir", "185057800608437"),  # wrong key
        ("birth_date", "18491231"),
        ("rights", "2021-02-30//open"),
        ("rights", "2021-01-01/2021-06-30/open;2021-06-30//open"),  # overlap
        ("rights", "2022-01-01/2021-06-30/open"),  # ends before it starts
        ("as_of", "2026-13-01"),
        ("last_name", " padded"),
        ("relationship", "Spouse"),
    ],
)
def test_what_the_fast_path_hands_back(field: str, value: Any) -> None:
    values = canonical_values(sample()[0])
    values[field] = value
    text = line(values, list(COLUMNS), ",")
    # The full path then rejects it, or (the last two) normalises it.
    assert _CanonicalCsvLine(list(COLUMNS), ",").parse(text) is None
