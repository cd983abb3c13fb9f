"""`rempart audit` through the command line (SQLite): exit codes and precise findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from rempart.audit.recorder import record
from rempart.bootstrap import open_platform
from rempart.cli import app
from rempart.settings import Settings
from tests.audit.support import event_for


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REMPART_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REMPART_DATABASE_URL", f"sqlite:///{tmp_path / 'rempart.sqlite3'}")
    monkeypatch.setenv("REMPART_ENV", "development")
    monkeypatch.setenv("COLUMNS", "400")
    assert run("keys", "init").exit_code == 0
    platform = open_platform(Settings(), migrate=True)
    try:
        with platform.uow() as uow:
            for number in range(6):
                record(uow, event_for(platform, number))
            uow.commit()
    finally:
        platform.close()
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=True)


def test_checkpoint_verify_and_tampering(home: Path) -> None:
    result = run("audit", "checkpoint")
    assert result.exit_code == 0, result.output
    assert "checkpoint at size 6" in result.stdout
    assert len(list((home / "home" / "audit-checkpoints").glob("checkpoint-*.json"))) == 1

    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "the log verifies" in result.stdout

    result = run("audit", "proof", "--size", "6", "--leaf", "2")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["proof"]) == 3

    engine = create_engine(f"sqlite:///{home / 'rempart.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_records WHERE leaf_index = 4"))
    engine.dispose()

    result = run("audit", "verify")
    assert result.exit_code == 3, result.output
    assert "deleted: leaf 4" in result.stdout
    result = run("audit", "verify", "--json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert [(f["kind"], f["leaf_index"]) for f in document["findings"]] == [("deleted", 4)]
    assert "beneficiary" not in result.output


def test_seal_and_expire(home: Path) -> None:
    result = run("audit", "seal")
    assert result.exit_code == 0, result.output
    assert "6 records sealed" in result.stdout
    result = run("audit", "expire", "--months", "1")
    assert result.exit_code == 0, result.output
    assert "0 records expired" in result.stdout  # the events are from today


def test_a_bad_proof_request_is_one_clean_error(home: Path) -> None:
    run("audit", "seal")
    result = run("audit", "proof", "--size", "60", "--leaf", "1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "the sealed log has 6 leaves" in result.stderr
