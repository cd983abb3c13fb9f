"""A structure whose bank account changes is not paid during the cooling-off — neither to
the old account nor to the new — and is paid to the new one after it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rempart.bootstrap import Platform
from rempart.kernel.clock import FixedClock
from rempart.payments.accounts import operator_from
from rempart.payments.runs import RunReport, run_payments
from rempart.payouts.service import request_bank_account_change
from rempart.registry import service as registry

from ..conftest import TODAY
from ..factories import france, statements, write_file
from ..payouts.support import BIC, COOLING_OFF, NEW_IBAN, build_scene
from .world import open_people, send


def _run(platform: Platform, tmp_path: Path, days: int = 0) -> RunReport:
    return run_payments(
        uow=platform.uow(),
        run_date=TODAY + timedelta(days=days),
        operator=operator_from(platform.settings),
        out_dir=tmp_path / "payments",
    )


def test_payments_wait_for_the_cooling_off_then_go_to_the_new_account(
    platform: Platform, clock: FixedClock, tmp_path: Path
) -> None:
    scene = build_scene(platform, clock)
    lines = statements(france(60), beneficiaries=60)
    registry.import_rights_file(uow=platform.uow(), path=write_file(tmp_path / "r.jsonl", lines))
    send(platform, scene.finess, open_people(lines)[0])
    request_bank_account_change(
        uow=platform.uow(),
        actor=scene.admin,
        shield=scene.shield,
        structure=scene.finess,
        iban=NEW_IBAN,
        bic=BIC,
        cooling_off=COOLING_OFF,
    )
    held = _run(platform, tmp_path)
    assert held.held == (scene.finess,)
    assert held.payouts == 0

    scene.later(COOLING_OFF + timedelta(minutes=1))
    paid = _run(platform, tmp_path, days=4)
    assert (paid.payouts, paid.paid_lines) == (1, 1)
    (transfers,) = [f for f in paid.files if "-CT-" in f.name]
    assert NEW_IBAN in transfers.read_text()
