"""Server-drawn charts: counts per hour as SVG bars, and each subject's use of its quota
limits as horizontal bars, with the same figures for a data table beside them. Only
presentation attributes and the stylesheet's classes (the CSP forbids inline style)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rempart.shield.usage import Use

HOURS = 24
WIDTH = 480
HEIGHT = 160
BAR = WIDTH // HOURS


@dataclass(frozen=True)
class Bar:
    start: datetime  # the hour's start (UTC)
    count: int
    x: int
    y: int
    height: int


@dataclass(frozen=True)
class HourlyChart:
    bars: tuple[Bar, ...]
    peak: int
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    bar_width: int = BAR - 2


def per_hour(instants: Iterable[datetime], now: datetime) -> HourlyChart:
    """How many instants fell in each of the last 24 whole hours (the current one last)."""
    last = now.replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(hours=HOURS - 1)
    counts = [0] * HOURS
    for instant in instants:
        index = int((instant - first).total_seconds() // 3600)
        if 0 <= index < HOURS:
            counts[index] += 1
    return hourly(first, counts)


def hourly(first: datetime, counts: Sequence[int]) -> HourlyChart:
    """Bars for counts already made per hour (24 of them, from the hour `first`)."""
    peak = max(counts, default=0)
    bars = []
    for index, count in enumerate(counts[:HOURS]):
        height = 0 if peak == 0 else round(count * (HEIGHT - 10) / peak)
        bars.append(
            Bar(first + timedelta(hours=index), count, index * BAR + 1, HEIGHT - height, height)
        )
    return HourlyChart(tuple(bars), peak, sum(counts))


# -- use against a limit ------------------------------------------------------------------

ROW = 28  # a row's height: its label above, its two bars below
LABEL = 12


@dataclass(frozen=True)
class UseRow:
    """One subject: its use of the hour's and the day's limits, as bar widths."""

    label: str
    last_hour: int
    per_hour: int
    last_day: int
    per_day: int
    y: int
    hour_width: int
    day_width: int

    @property
    def hour_percent(self) -> int:
        return round(100 * self.last_hour / self.per_hour)

    @property
    def day_percent(self) -> int:
        return round(100 * self.last_day / self.per_day)


@dataclass(frozen=True)
class UseChart:
    rows: tuple[UseRow, ...]
    width: int = WIDTH
    bar_height: int = 6

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * ROW


def use_against_limits(uses: Iterable[Use]) -> UseChart:
    """Horizontal bars, one pair per subject: the share of its hourly and daily limits
    used (a bar stops at the full width: a refused request is not counted)."""

    def width(used: int, limit: int) -> int:
        return min(WIDTH, round(WIDTH * used / limit)) if limit else 0

    return UseChart(
        tuple(
            UseRow(
                label=use.reference,
                last_hour=use.last_hour,
                per_hour=use.per_hour,
                last_day=use.last_day,
                per_day=use.per_day,
                y=index * ROW,
                hour_width=width(use.last_hour, use.per_hour),
                day_width=width(use.last_day, use.per_day),
            )
            for index, use in enumerate(uses)
        )
    )
