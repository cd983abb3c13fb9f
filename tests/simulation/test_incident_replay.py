"""Issue #8's replay test: the attack range's 2024 replay (a phished pharmacist account
scraping a leaked list), then the breach response from the shield's alert. The scope,
once narrowed to the attacker's address, is exactly the set of people the attacker was
answered about; the first, broad scope (every person disclosed to the account over the
look-back) holds them all; the insurers' notices carry the right counts; no identifier
of anyone the attacker learnt about reached any log during the whole run."""

from __future__ import annotations

import pytest

from rempart.simulation.runner import SeedResult

from .incident_replay import ReplayIncident


@pytest.fixture
def replayed(small_range: SeedResult, replay_incident: ReplayIncident) -> ReplayIncident:
    assert replay_incident.ran, "the replay scenario must have run"
    return replay_incident


def test_the_alert_opens_an_incident_whose_scope_holds_every_person_answered(
    replayed: ReplayIncident,
) -> None:
    assert replayed.disclosed, "the attacker must have been answered about someone"
    # Beyond them, the broad scope holds the honest pharmacist's own work on the account.
    assert set(replayed.disclosed) <= replayed.broad


def test_narrowed_to_the_attackers_address_the_scope_is_exactly_who_was_answered(
    replayed: ReplayIncident,
) -> None:
    assert replayed.narrowed == set(replayed.disclosed)
    assert replayed.narrowed_by_amc == dict(replayed.disclosed_by_amc)


def test_each_insurers_notice_counts_its_people(replayed: ReplayIncident) -> None:
    assert replayed.notified == dict(replayed.disclosed_by_amc)
    for amc, people in replayed.disclosed_by_amc.items():
        (notice,) = replayed.documents.glob(f"*/{amc}/notice-v1.txt")
        assert f"Personnes concernées : {people}" in " ".join(notice.read_text().split())


def test_no_identifier_of_the_people_disclosed_reached_a_log(replayed: ReplayIncident) -> None:
    assert replayed.logs, "the run must have logged something (alerts, notices)"
    assert replayed.secrets
    leaked = {s for s in replayed.secrets for line in replayed.logs if s in line}
    assert not leaked, f"{len(leaked)} identifiers in the logs"
