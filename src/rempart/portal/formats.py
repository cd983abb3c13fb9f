"""Amounts, dates, instants and rates as a French or English reader expects them.

Money stays integer cents up to here: it becomes text only on the page."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_NARROW_SPACE = "\u202f"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Formats:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def euros(self, cents: int | None) -> str:
        if cents is None:
            return "—"
        sign = "-" if cents < 0 else ""
        whole, part = divmod(abs(cents), 100)
        if self.lang == "fr":
            grouped = f"{whole:,}".replace(",", _NARROW_SPACE)
            return f"{sign}{grouped},{part:02d}{_NARROW_SPACE}€"
        return f"{sign}€{whole:,}.{part:02d}"

    def day(self, value: date | None) -> str:
        if value is None:
            return "—"
        if self.lang == "fr":
            return f"{value.day:02d}/{value.month:02d}/{value.year}"
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"

    def instant(self, value: datetime | None) -> str:
        """In Paris time, to the minute (the reader's wall clock)."""
        if value is None:
            return "—"
        local = value.astimezone(PARIS)
        return f"{self.day(local.date())} {local.hour:02d}:{local.minute:02d}"

    def rate(self, basis_points: int | None) -> str:
        if basis_points is None:
            return "—"
        whole, part = divmod(basis_points, 100)
        number = (
            str(whole) if part == 0 else f"{whole}{',' if self.lang == 'fr' else '.'}{part:02d}"
        )
        return f"{number}{_NARROW_SPACE}%" if self.lang == "fr" else f"{number}%"

    def local_input(self, value: datetime) -> str:
        """For the value of a datetime-local input: Paris wall-clock time, to the minute."""
        return value.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")

    def iso(self, value: date) -> str:
        """For the value of a date input (always ISO, whatever the language)."""
        return value.isoformat()

    def euros_input(self, cents: int) -> str:
        """For the value of an amount input: what `forms.euros` reads back (`12,50`)."""
        whole, part = divmod(cents, 100)
        return f"{whole},{part:02d}"

    def rate_input(self, basis_points: int) -> str:
        """For the value of a rate input in per cent: what `forms.percent` reads back."""
        whole, part = divmod(basis_points, 100)
        return str(whole) if part == 0 else f"{whole},{part:02d}"
