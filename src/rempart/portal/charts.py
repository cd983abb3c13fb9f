"""Server-drawn charts: counts per hour as SVG bars, with the same figures for a data
table beside them. Only presentation attributes and the stylesheet's classes (the CSP
forbids inline style)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    peak = max(counts)
    bars = []
    for index, count in enumerate(counts):
        height = 0 if peak == 0 else round(count * (HEIGHT - 10) / peak)
        bars.append(
            Bar(first + timedelta(hours=index), count, index * BAR + 1, HEIGHT - height, height)
        )
    return HourlyChart(tuple(bars), peak, sum(counts))
