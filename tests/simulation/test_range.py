"""The attack range, small: every scenario runs and its figures are sane; the
legitimate workload alone contains nobody; the command's closing JSON line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rempart.cli import app
from rempart.simulation.report import json_line, table, targets
from rempart.simulation.runner import LOOKUP_SCENARIOS, SCENARIOS, SeedResult

from .conftest import DAYS, SMALL


def figures_of(result: SeedResult, name: str):  # type: ignore[no-untyped-def]
    (found,) = [f for f in result.scenarios if f.scenario == name]
    return found


def test_the_legitimate_workload_alone_contains_nobody(small_range: SeedResult) -> None:
    legit = small_range.legitimate
    assert legit.professional_days > 0
    assert legit.checks > 0
    assert legit.answered == legit.checks
    assert legit.containments == 0
    assert legit.alerts == 0
    assert legit.disrupted_days == 0, legit.disruptions
    # A pharmacy worked through its counter software (token, DPoP, the acting
    # pharmacist), the others through the portal.
    assert 0 < legit.software_checks < legit.pharmacy_checks
    # Pharmacies invoice nearly everything they check (strangers, misread cards and
    # lapsed rights are not invoiced).
    assert 0.8 <= legit.pharmacy_invoice_ratio <= 1.0


@pytest.mark.parametrize("name", sorted(LOOKUP_SCENARIOS))
def test_each_reading_scenario_is_contained_and_learns_no_identity(
    small_range: SeedResult, name: str
) -> None:
    f = figures_of(small_range, name)
    assert f.seed == 1
    assert f.attackers >= 1
    assert f.contained, f
    assert f.identity_fields == 0
    assert 0 <= f.open_records <= f.records <= f.lookups
    assert f.lookups_to_containment is not None
    assert f.lookups_to_containment <= f.lookups
    assert f.minutes_to_containment is not None
    assert f.minutes_to_containment >= 0
    assert f.contained_by is not None
    assert f.contained_by.startswith(("account suspend", "structure suspend", "channel brake"))
    assert f.alerts >= 1
    assert "shield.account.suspend" in f.alert_codes or "shield.channel.brake" in f.alert_codes
    assert 0 <= f.collateral_days <= f.colleague_days


def test_the_replay_and_the_slow_scraper_meet_their_targets(small_range: SeedResult) -> None:
    replay = figures_of(small_range, "replay-2024")
    assert replay.lookups_to_containment is not None
    assert replay.lookups_to_containment <= SMALL.replay_max_lookups
    assert replay.normal_day is not None
    assert replay.normal_day > 0
    slow = figures_of(small_range, "slow-scraper")
    assert slow.minutes_to_containment is not None
    assert slow.minutes_to_containment <= SMALL.slow_max_hours * 60
    assert all(t.met for t in targets([small_range], SMALL))


def test_enumeration_learns_next_to_nothing(small_range: SeedResult) -> None:
    f = figures_of(small_range, "enumeration")
    assert f.records <= 1  # a guessed member number almost never names anyone
    assert f.lookups_to_containment is not None
    assert f.lookups_to_containment <= 60


def test_a_rogue_administrator_activates_no_account(small_range: SeedResult) -> None:
    f = figures_of(small_range, "rogue-admin")
    assert f.lookups == 0
    assert f.records == 0
    assert f.contained
    assert f.contained_by is not None
    assert "event.account-burst" in f.contained_by
    assert f.extra["accounts_requested"] >= 1
    assert f.extra["accounts_activated"] == 0  # the reviewer saw the alerts
    assert f.actions == f.extra["accounts_requested"]


def test_an_iban_takeover_diverts_no_payment(small_range: SeedResult) -> None:
    f = figures_of(small_range, "iban-takeover")
    assert f.extra["iban_changes"] >= 1
    assert f.extra["payment_runs_diverted"] == 0
    assert f.extra["payment_runs_held"] >= 1  # held through every cooling-off
    assert f.contained  # repeated changes suspend the account


def test_the_report_names_every_scenario_and_target(small_range: SeedResult) -> None:
    text = table([small_range], SMALL, DAYS, 1.0)
    for name in SCENARIOS:
        assert name in text
    assert "false positives" in text
    assert "NOT MET" not in text
    document = json.loads(json_line([small_range], SMALL, DAYS, SCENARIOS, 1.0))
    assert document["met"] is True
    assert set(document["scenarios"]) == set(SCENARIOS)


def test_rempart_simulate_ends_with_one_json_line() -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--scenario",
            "rogue-admin",
            "--seeds",
            "1",
            "--days",
            "1",
            "--scale",
            "0.1",
            "--beneficiaries",
            "1000",
            "--jobs",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "Targets (issue #7):" in result.output
    document = json.loads(lines[-1])
    assert document["simulation"] == "rempart-attack-range"
    assert document["seeds"] == [1]
    assert document["days"] == 1
    assert document["scenarios_run"] == ["rogue-admin"]
    assert isinstance(document["met"], bool)
    assert document["met"]
    legit = document["legitimate"]
    for key in ("professional_days", "disrupted_days", "disrupted_share", "checks", "invoices"):
        assert key in legit
    assert legit["per_seed"][0]["seed"] == 1
    (figures,) = document["scenarios"]["rogue-admin"]["per_seed"]
    for key in (
        "records",
        "identity_fields",
        "lookups_to_containment",
        "minutes_to_containment",
        "alerts",
        "alert_codes",
        "contained",
        "extra",
    ):
        assert key in figures
    assert set(document["targets"]) == {"identity fields", "false positives"}
    assert all(t["met"] for t in document["targets"].values())


def test_an_unknown_scenario_is_refused() -> None:
    result = CliRunner().invoke(app, ["simulate", "--scenario", "everything"])
    assert result.exit_code != 0
