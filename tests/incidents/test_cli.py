"""`rempart incident` through the command line (SQLite): the runbook's commands, acting as
a named account, printing counts and ids only."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from rempart.audit.domain import AuditEvent, AuditTag, Category, Outcome
from rempart.audit.recorder import record
from rempart.bootstrap import open_platform
from rempart.cli import app
from rempart.identity.domain import AccountStatus
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Channel, Role
from rempart.identity.sealing import seal_login
from rempart.settings import Settings
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity

ATTACKER = uuid.UUID("0196b5f0-0000-7000-8000-000000000101")


def run(*args: str, account: uuid.UUID | None = None) -> Result:
    extra = [] if account is None else ["--as", str(account)]
    return CliRunner().invoke(app, [*args, *extra], catch_exceptions=True)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("REMPART_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REMPART_DATABASE_URL", f"sqlite:///{tmp_path / 'rempart.sqlite3'}")
    monkeypatch.setenv("REMPART_ENV", "development")
    monkeypatch.setenv("COLUMNS", "400")
    assert run("keys", "init").exit_code == 0
    platform = open_platform(Settings(), migrate=True)
    now = datetime.now(UTC)
    accounts = {}
    try:
        with platform.uow() as uow:
            for role in (Role.SECURITY_ANALYST, Role.PLATFORM_DPO, Role.PROFESSIONAL):
                account_id = uuid.uuid4()
                accounts[role] = account_id
                uow.session.add(
                    AccountRow(
                        id=account_id,
                        role=role,
                        status=AccountStatus.ACTIVE,
                        is_new=False,
                        rpps=None,
                        amc_number=None,
                        beneficiary_id=None,
                        requested_by=None,
                        approved_by=None,
                        created_at=now,
                        approved_at=now,
                        **seal_login(uow.vault, f"{role.value}@example", account_id),
                    )
                )
            for n, amc in enumerate(("111111111", "111111111", "222222222")):
                record(
                    uow,
                    AuditEvent(
                        at=now - timedelta(minutes=30 - n),
                        tag=AuditTag.RIGHTS_CHECK_ANSWERED,
                        outcome=Outcome.ALLOWED,
                        channel=Channel.PORTAL,
                        actor_account_id=ATTACKER,
                        target_pseudonym=uow.vault.pseudonym("beneficiary", f"person-{n}"),
                        target_amc=amc,
                        categories=frozenset({Category.RIGHTS}),
                    ),
                )
            alert = Alert(
                "shield.account.suspend",
                Severity.HIGH,
                "bursts of checks",
                subject_kind="account",
                subject_ref=str(ATTACKER),
            )
            alert_id = store_alert(uow, alert)
            uow.commit()
    finally:
        platform.close()
    return {"now": now, "accounts": accounts, "home": tmp_path / "home", "alert": alert_id}


def test_an_incident_opens_from_a_stored_alert_scoped_on_its_subject(
    home: dict[str, object],
) -> None:
    accounts: dict[Role, uuid.UUID] = home["accounts"]  # type: ignore[assignment]
    analyst = accounts[Role.SECURITY_ANALYST]
    opened = run("incident", "from-alert", str(home["alert"]), account=analyst)
    assert opened.exit_code == 0, opened.output
    assert "opened and scoped: 3 people" in opened.stdout
    shown = run("incident", "show", opened.stdout.split()[1], "--json", account=analyst)
    incident = json.loads(shown.stdout)
    assert incident["source"] == f"alert:{home['alert']}"
    assert incident["scoping"]["accounts"] == [str(ATTACKER)]

    unknown = run("incident", "from-alert", str(uuid.uuid4()), account=analyst)
    assert unknown.exit_code != 0
    assert "no such alert" in unknown.output
    # The platform DPO manages incidents but does not read the shield's alerts.
    dpo = run("incident", "from-alert", str(home["alert"]), account=accounts[Role.PLATFORM_DPO])
    assert dpo.exit_code != 0


def test_the_runbook_from_the_command_line(home: dict[str, object]) -> None:
    now: datetime = home["now"]  # type: ignore[assignment]
    accounts: dict[Role, uuid.UUID] = home["accounts"]  # type: ignore[assignment]
    analyst, dpo = accounts[Role.SECURITY_ANALYST], accounts[Role.PLATFORM_DPO]
    opened = run(
        "incident",
        "open",
        "--description",
        "Bursts of rights checks from one account",
        "--detected-at",
        (now - timedelta(minutes=10)).isoformat(),
        "--alert",
        "alert-7",
        "--account",
        str(ATTACKER),
        "--start",
        (now - timedelta(hours=1)).isoformat(),
        "--end",
        now.isoformat(),
        account=analyst,
    )
    assert opened.exit_code == 0, opened.output
    assert "scoped: 3 people" in opened.stdout
    incident = opened.stdout.split()[1]

    listed = run("incident", "list", account=analyst)
    assert listed.exit_code == 0, listed.output
    assert incident in listed.stdout
    assert "on time" in listed.stdout

    assert run("incident", "decide", incident, "Account suspended", account=analyst).exit_code == 0
    contained = run(
        "incident", "contain", incident, "rotate_keys", "--reason", "keys copied?", account=analyst
    )
    assert contained.exit_code == 0, contained.output
    assert "rotate_keys: done" in contained.stdout
    braked = run(
        "incident", "contain", incident, "close_channel", "portal", "--reason", "x", account=analyst
    )
    assert braked.exit_code == 0, braked.output
    assert "close_channel: done" in braked.stdout
    by_dpo = run("incident", "contain", incident, "rotate_keys", "--reason", "x", account=dpo)
    assert by_dpo.exit_code == 1
    assert "not allowed" in by_dpo.output
    at = now.isoformat()
    assert (
        run("incident", "milestone", incident, "contained", "--at", at, account=analyst).exit_code
        == 0
    )

    notified = run("incident", "notify", incident, account=analyst)
    assert notified.exit_code == 0, notified.output
    assert "AMC 111111111: notice v1, 2 letters" in notified.stdout
    assert "AMC 222222222: notice v1, 1 letters" in notified.stdout
    merged = run("incident", "mail-merge", incident, account=dpo)
    assert merged.exit_code == 0, merged.output
    assert "AMC 111111111: 0 people, 2 unmatched" in merged.stdout  # nobody in the registry
    assert run("incident", "mail-merge", incident, account=analyst).exit_code == 1

    shown = run("incident", "show", incident, account=analyst)
    assert shown.exit_code == 0, shown.output
    assert "containment" in shown.stdout
    assert "AMC 222222222" in shown.stdout
    closed = run(
        "incident", "close", incident, "--closure", "resolved", "--reason", "done", account=analyst
    )
    assert closed.exit_code == 0, closed.output
    as_json = run("incident", "show", incident, "--json", account=analyst)
    assert '"status": "closed"' in as_json.stdout
    home_dir: Path = home["home"]  # type: ignore[assignment]
    assert (home_dir / "incidents").is_dir()


def test_an_operator_acts_as_an_active_account(home: dict[str, object]) -> None:
    assert run("incident", "list", account=uuid.uuid4()).exit_code == 1
    bad = run("incident", "list", "--as", "not-a-uuid")
    assert bad.exit_code == 1
    accounts: dict[Role, uuid.UUID] = home["accounts"]  # type: ignore[assignment]
    professional = run("incident", "list", account=accounts[Role.PROFESSIONAL])
    assert professional.exit_code == 1
    assert "not allowed" in professional.output
