"""A small range for the tests: a synthetic France of 1,500 people, the legitimate work
at a seventh of its volume for two days, every scenario once (one seed). The full range
runs through `rempart simulate`, never in the suite. The breach response runs on the
replay's world as it ends (`incident_replay`); the stolen client key's world is read as
it ends (`stolen_key`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from rempart.simulation.attacks import Attacker
from rempart.simulation.parameters import Parameters
from rempart.simulation.runner import SCENARIOS, SeedResult, run_seed
from rempart.simulation.world import World

from .incident_replay import ReplayIncident
from .stolen_key import StolenKeyLook

SMALL = replace(Parameters(), beneficiaries=1_500, scale=0.15)
DAYS = 2


@pytest.fixture(scope="session")
def replay_incident(tmp_path_factory: pytest.TempPathFactory) -> ReplayIncident:
    """Filled in while the small range runs (ask for `small_range` too)."""
    return ReplayIncident(documents=tmp_path_factory.mktemp("incident-documents"))


@pytest.fixture(scope="session")
def stolen_key() -> StolenKeyLook:
    """Filled in while the small range runs (ask for `small_range` too)."""
    return StolenKeyLook()


@pytest.fixture(scope="session")
def small_range(replay_incident: ReplayIncident, stolen_key: StolenKeyLook) -> SeedResult:
    def inspect(name: str, world: World, attackers: Sequence[Attacker]) -> None:
        replay_incident(name, world, attackers)
        stolen_key(name, world, attackers)

    with replay_incident.listening():
        return run_seed(seed=1, params=SMALL, days=DAYS, scenarios=SCENARIOS, inspect=inspect)
