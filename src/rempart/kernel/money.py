"""Money is integer euro cents. Never float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NewType

Cents = NewType("Cents", int)


def cents(value: int) -> Cents:
    return Cents(value)


def parse_euros(text: str) -> Cents:
    """'12.34' -> 1234. Refuses more than two decimals rather than rounding silently.

    Every refusal is a `ValueError` (never `decimal.InvalidOperation`, which is not one).
    """
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("an amount must be a decimal number of euros") from None
    if not amount.is_finite():
        raise ValueError("an amount must be a finite number of euros")
    try:
        in_cents = amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError("an amount is too large") from None
    if amount != in_cents:
        raise ValueError("an amount has at most two decimals")
    return Cents(int(in_cents * 100))


def format_euros(amount: Cents) -> str:
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 100)
    return f"{sign}{whole}.{part:02d}"
