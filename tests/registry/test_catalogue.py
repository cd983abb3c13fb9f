"""The insurers' catalogue: validated all or nothing, loaded idempotently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rempart.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "formats" / "insurers-example.json"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REMPART_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REMPART_ENV", "development")
    monkeypatch.delenv("REMPART_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return tmp_path


def _insurers(runner: CliRunner) -> list[dict[str, object]]:
    result = runner.invoke(app, ["registry", "insurers", "--json"])
    assert result.exit_code == 0, result.output
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


def test_load_is_idempotent_and_listed(cli_env: Path) -> None:
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(app, ["registry", "load", str(EXAMPLE)])
        assert result.exit_code == 0, result.output
    assert _insurers(runner) == [
        {
            "amc_number": "123456789",
            "name": "Mutuelle des Exemples",
            "status": "active",
            "contracts": 2,
        }
    ]


def test_an_invalid_catalogue_writes_nothing(cli_env: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    second = dict(document["insurers"][0], amc_number="987654321")
    second["contracts"] = [dict(second["contracts"][0], code="bad code")]
    document["insurers"].append(second)
    broken = cli_env / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["registry", "load", str(broken)])
    assert result.exit_code == 1
    assert "insurers.1.contracts.0.code" in result.output
    assert _insurers(runner) == []


def test_a_category_twice_in_a_contract_is_refused(cli_env: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    guarantees = document["insurers"][0]["contracts"][0]["guarantees"]
    guarantees.append(dict(guarantees[0]))
    broken = cli_env / "twice.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(app, ["registry", "load", str(broken)])
    assert result.exit_code == 1
    assert "appears twice" in result.output


def test_a_responsible_contract_that_breaks_the_rules_is_refused_whole(cli_env: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    solidaire = document["insurers"][0]["contracts"][0]
    solidaire["guarantees"] = [
        g
        for g in solidaire["guarantees"]
        if g["category"] not in ("laboratory", "dental_100_sante")
    ] + [{"category": "franchise", "kind": "percent_of_br", "rate_bp": 10000}]
    broken = cli_env / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["registry", "load", str(broken)])
    assert result.exit_code == 1
    for code in ("RESP-TM-NOT-COVERED", "RESP-BASKET-NOT-COVERED", "RESP-COVERS-FRANCHISE"):
        assert code in result.output
    assert _insurers(runner) == []  # nothing written, not even the compliant contract
