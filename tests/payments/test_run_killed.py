"""A payment run killed midway (SIGKILL, no chance to clean up) and run again pays every
line exactly once and loses none — on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from rempart.bootstrap import Platform
from rempart.claims.models import InvoiceLineRow
from rempart.payments.checks import check_ledger
from rempart.payments.models import PayoutRow
from rempart.registry import service as registry
from rempart.registry.models import StructureRow

from ..conftest import TODAY
from ..factories import france, register, statements, write_file
from .world import open_people, send, sign_mandates

RUN = ["payments", "run", "--date", TODAY.isoformat(), "--batch-size", "1"]


def _rempart(platform: Platform, *args: str) -> subprocess.Popen[bytes]:
    settings = platform.settings
    env = {
        **os.environ,
        "REMPART_ENV": "development",
        "REMPART_HOME": str(settings.home),
        "REMPART_DATABASE_URL": settings.effective_database_url,
    }
    command = "from rempart.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", command, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _payouts(platform: Platform) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(PayoutRow)) or 0


def test_a_killed_run_resumes_and_pays_each_line_once(platform: Platform, tmp_path: Path) -> None:
    world = france(60)
    register(platform, world)
    lines = statements(world, beneficiaries=60)
    registry.import_rights_file(uow=platform.uow(), path=write_file(tmp_path / "r.jsonl", lines))
    sign_mandates(platform, lines)
    people = open_people(lines)
    with platform.uow() as uow:
        structures = list(uow.session.scalars(select(StructureRow.finess)))
    for index, finess in enumerate(structures):
        send(platform, finess, people[index % len(people)], code=f"34009300{index:05d}")
        send(platform, finess, people[(index + 1) % len(people)], code=f"34009301{index:05d}")

    # Slow batches, so that the kill lands with some structures paid and others not.
    first = _rempart(platform, *RUN, "--batch-pause", "0.3")
    deadline = time.monotonic() + 60
    while _payouts(platform) == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    interrupted = _payouts(platform)
    assert 0 < interrupted < len(structures), "the kill should land midway"

    second = _rempart(platform, *RUN)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()

    with platform.uow() as uow:
        unpaid = uow.session.scalar(
            select(func.count()).where(
                InvoiceLineRow.status == "accepted", InvoiceLineRow.payout_id.is_(None)
            )
        )
        per_structure = uow.session.execute(
            select(PayoutRow.structure_finess, func.count()).group_by(PayoutRow.structure_finess)
        ).all()
    assert unpaid == 0
    assert len(per_structure) == len(structures)
    assert all(count == 1 for _, count in per_structure)
    assert check_ledger(uow=platform.uow()).ok
    check = _rempart(platform, "ledger", "check")
    out, err = check.communicate(timeout=60)
    assert check.returncode == 0, out.decode() + err.decode()
    assert b"ledger consistent" in out
