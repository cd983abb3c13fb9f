"""Working days in France, pure: the invoicing deadline counts them.

Public holidays are the eleven of the Code du travail (art. L3133-1): eight on fixed
dates and three that follow Easter (Easter Monday, Ascension, Whit Monday). Alsace-Moselle
adds Good Friday and 26 December; they are counted as holidays everywhere, so that a
deadline computed here is never earlier than the one the law gives any pharmacy (the
rest of France gets at most two days more)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

_FIXED = (
    (1, 1),
    (5, 1),
    (5, 8),
    (7, 14),
    (8, 15),
    (11, 1),
    (11, 11),
    (12, 25),
    (12, 26),
)  # 26 Dec: Alsace-Moselle


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache  # a pure function of the year: nothing mutable is cached
def public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    movable = (
        easter - timedelta(days=2),  # Good Friday (Alsace-Moselle)
        easter + timedelta(days=1),
        easter + timedelta(days=39),
        easter + timedelta(days=50),
    )
    return frozenset((*(date(year, m, d) for m, d in _FIXED), *movable))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (which itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    while days:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current
