"""Housekeeping forgets only what can no longer be used."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from rempart.cli import app
from rempart.identity.models import ChallengeRow, PendingSignInRow
from rempart.identity.passkeys import RelyingParty, begin_authentication
from rempart.identity.permissions import Role
from rempart.identity.sessions import purge_stale
from rempart.kernel.ids import new_id

from .web import ORIGIN, Web, make_web


@pytest.fixture
def web(tmp_path: Path, sqlite_url: str) -> Web:
    return make_web(tmp_path, sqlite_url)


def count(web: Web, row: type) -> int:
    with web.platform.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(row)) or 0)


def test_expired_items_are_forgotten_live_ones_kept(web: Web) -> None:
    rp = RelyingParty("testserver", ORIGIN)
    account_id = web.account(Role.INSURED, "someone")
    with web.platform.uow() as uow:
        now = uow.clock.now()
        for expires in (now + timedelta(minutes=1), now + timedelta(minutes=20)):
            uow.session.add(
                PendingSignInRow(
                    id=new_id(),
                    account_id=account_id,
                    token_hash=new_id().bytes * 2,
                    user_agent="-",
                    created_at=now,
                    expires_at=expires,
                    confirmed_at=None,
                )
            )
        uow.commit()
    begin_authentication(uow=web.platform.uow(), rp=rp, account_id=None)
    assert purge_stale(uow=web.platform.uow()) == 0
    web.clock.set(web.clock.now() + timedelta(minutes=6))
    assert purge_stale(uow=web.platform.uow()) == 2  # the ceremony and the first pending
    assert count(web, ChallengeRow) == 0
    assert count(web, PendingSignInRow) == 1


def test_the_purge_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMPART_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REMPART_ENV", "development")
    monkeypatch.delenv("REMPART_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["identity", "purge"])
    assert result.exit_code == 0, result.output
    assert "forgot 0 expired sign-in items and 0 spent client items" in result.output
