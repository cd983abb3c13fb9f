"""Shared by the benchmarks: timing, medians, the closing JSON line."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(
    name: str,
    figures: dict[str, float],
    ratios: dict[str, float],
    targets: dict[str, float],
    met: bool,
) -> None:
    print(
        json.dumps(
            {
                "benchmark": name,
                "figures": {k: round(v, 3) for k, v in figures.items()},
                "ratios": {k: round(v, 3) for k, v in ratios.items()},
                "targets": targets,
                "met": met,
            }
        )
    )
