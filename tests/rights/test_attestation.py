"""The attestation code: read back exactly what was printed, refuse anything else
without repeating it."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.kernel.errors import InvalidInput
from rempart.rights.attestation import format_attestation, parse_attestation

CARD = {
    "insured_nir": "292036912345604",
    "birth_date": "19920315",
    "birth_rank": 1,
    "amc_number": "105263669",
    "member_number": "DEMO000001",
    "agreement_type": "TP",
}


def test_a_printed_code_reads_back_as_its_card() -> None:
    code = format_attestation(**CARD)  # type: ignore[arg-type]
    assert code == "TP1|292036912345604|19920315|1|105263669|DEMO000001|TP"
    assert vars(parse_attestation(code)) == CARD


def test_a_scanner_separates_fields_with_gs_and_may_add_spaces() -> None:
    code = " tp1\x1d2 92 03 69 123 456 04\x1d19920315 | 1 |105263669\x1dDEMO000001|TP\n"
    assert vars(parse_attestation(code)) == CARD


@pytest.mark.parametrize(
    "code",
    [
        "",
        "TP2|292036912345604|19920315|1|105263669|DEMO000001|TP",
        "TP1|292036912345604|19920315|1|105263669|DEMO000001",
        "TP1|292036912345604|19920315|12|105263669|DEMO000001|TP",
        "TP1|292036912345604|19920315|x|105263669|DEMO000001|TP",
        "TP1|" + "9" * 300,
    ],
)
def test_anything_else_is_refused_without_being_repeated(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_attestation(code)
    assert refused.value.field == "attestation"
    assert "292036912345604" not in refused.value.message


@given(st.text(max_size=250))
def test_no_input_breaks_the_parser(code: str) -> None:
    with contextlib.suppress(InvalidInput):
        parse_attestation(code)
