"""Shared by the benchmarks: timing, medians, the closing JSON line."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """The options every benchmark takes; each adds its own."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run, under a minute")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--postgres", default=os.environ.get("REMPART_TEST_DATABASE_URL"))
    return parser


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
