"""Money is integer cents; text in and out is euros with exactly two decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rempart.kernel.money import Cents, cents, format_euros, parse_euros

AMOUNTS = st.integers(-(10**15), 10**15)


@given(AMOUNTS)
def test_format_then_parse_round_trips(amount: int) -> None:
    text = format_euros(Cents(amount))
    assert parse_euros(text) == amount
    assert type(parse_euros(text)) is int
    whole, _, part = text.lstrip("-").partition(".")
    assert len(part) == 2
    assert whole == str(int(whole))  # no leading zeros, no exponent
    assert text.startswith("-") is (amount < 0)


@given(AMOUNTS, st.integers(0, 2))
def test_parse_then_format_is_canonical(amount: int, decimals: int) -> None:
    """Any amount written with 0, 1 or 2 decimals parses to the same cents."""
    exact = Decimal(amount) / 100
    if exact != round(exact, decimals):
        return  # not representable with that many decimals
    text = f"{exact:.{decimals}f}"
    assert parse_euros(text) == amount
    assert format_euros(parse_euros(text)) == format_euros(Cents(amount))


@given(AMOUNTS, st.integers(1, 9))
def test_three_decimals_are_refused_not_rounded(amount: int, third: int) -> None:
    text = format_euros(Cents(amount)) + str(third)
    with pytest.raises(ValueError, match="two decimals"):
        parse_euros(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.34", 1234),
        (" 12.34\n", 1234),
        ("12.3", 1230),
        ("12", 1200),
        ("-0.05", -5),
        ("+7.00", 700),
        ("0", 0),
        ("-0", 0),
        ("12.340", 1234),  # a trailing zero loses nothing: accepted
    ],
)
def test_parse_golden(text: str, expected: int) -> None:
    assert parse_euros(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12.345",
        "0.001",
        "-0.009",
        "",
        "abc",
        "12,34",  # the French decimal comma is the caller's to translate
        "1 000.00",
        "NaN",
        "-Infinity",
        "sNaN",
        "1e30",  # beyond Decimal's 28 significant digits once in cents
    ],
)
def test_parse_refuses_with_value_error(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_euros(text)
    # Not decimal.InvalidOperation, which callers catching ValueError would miss.
    assert type(caught.value) is ValueError


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (-5, "-0.05"),
        (100, "1.00"),
        (-123456, "-1234.56"),
        (10**12, "10000000000.00"),
    ],
)
def test_format_golden(amount: int, text: str) -> None:
    assert format_euros(cents(amount)) == text
