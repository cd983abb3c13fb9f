"""A small range for the tests: a synthetic France of 1,500 people, the legitimate work
at a seventh of its volume for two days, every scenario once (one seed). The full range
runs through `rempart simulate`, never in the suite. The breach response runs on the
replay's world as it ends (`incident_replay`)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rempart.simulation.parameters import Parameters
from rempart.simulation.runner import SCENARIOS, SeedResult, run_seed

from .incident_replay import ReplayIncident

SMALL = replace(Parameters(), beneficiaries=1_500, scale=0.15)
DAYS = 2


@pytest.fixture(scope="session")
def replay_incident(tmp_path_factory: pytest.TempPathFactory) -> ReplayIncident:
    """Filled in while the small range runs (ask for `small_range` too)."""
    return ReplayIncident(documents=tmp_path_factory.mktemp("incident-documents"))


@pytest.fixture(scope="session")
def small_range(replay_incident: ReplayIncident) -> SeedResult:
    with replay_incident.listening():
        return run_seed(
            seed=1, params=SMALL, days=DAYS, scenarios=SCENARIOS, inspect=replay_incident
        )
