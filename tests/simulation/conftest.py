"""A small range for the tests: a synthetic France of 1,500 people, the legitimate work
at a seventh of its volume for two days, every scenario once (one seed). The full range
runs through `rempart simulate`, never in the suite."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rempart.simulation.parameters import Parameters
from rempart.simulation.runner import SCENARIOS, SeedResult, run_seed

SMALL = replace(Parameters(), beneficiaries=1_500, scale=0.15)
DAYS = 2


@pytest.fixture(scope="session")
def small_range() -> SeedResult:
    return run_seed(seed=1, params=SMALL, days=DAYS, scenarios=SCENARIOS)
