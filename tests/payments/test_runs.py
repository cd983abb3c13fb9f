"""Payment runs: one transfer per structure for its accepted lines, rejections advised,
insurers debited, SEPA files valid; run again, nothing is paid twice; the ledger check
holds, and catches tampering."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update

from rempart.bootstrap import Platform
from rempart.claims.models import InvoiceLineRow
from rempart.kernel.errors import NotFound
from rempart.kernel.identifiers import luhn_check_digit
from rempart.payments.accounts import operator_from, structure_accounts
from rempart.payments.checks import check_ledger
from rempart.payments.models import LedgerEntryRow, PayoutRow, SettlementRow
from rempart.payments.runs import RunReport, run_payments
from rempart.payments.sepa_schema import validate_pain
from rempart.payouts.service import decide_payouts
from rempart.registry.domain import BeneficiaryStatement

from ..conftest import TODAY
from ..factories import france, register, statements, write_file
from .world import open_people, send, sign_mandates


@pytest.fixture
def people(platform: Platform, tmp_path: Path) -> list[BeneficiaryStatement]:
    return _people(platform, tmp_path)


@pytest.fixture
def sqlite_people(sqlite_platform: Platform, tmp_path: Path) -> list[BeneficiaryStatement]:
    return _people(sqlite_platform, tmp_path)


def _people(platform: Platform, tmp_path: Path) -> list[BeneficiaryStatement]:
    from rempart.registry import service as registry

    world = france(60)
    register(platform, world)
    lines = statements(world, beneficiaries=60)
    registry.import_rights_file(uow=platform.uow(), path=write_file(tmp_path / "r.jsonl", lines))
    sign_mandates(platform, lines)
    return open_people(lines)


def _structures(platform: Platform) -> list[str]:
    from rempart.registry.models import StructureRow

    with platform.uow() as uow:
        return list(uow.session.scalars(select(StructureRow.finess).order_by(StructureRow.finess)))


def _run(platform: Platform, tmp_path: Path, day=TODAY, **kw: object) -> RunReport:  # type: ignore[no-untyped-def]
    return run_payments(
        uow=platform.uow(),
        run_date=day,
        operator=operator_from(platform.settings),
        out_dir=tmp_path / "payments",
        **kw,  # type: ignore[arg-type]
    )


def test_a_run_pays_each_structure_once_and_debits_each_insurer(
    platform: Platform, people: list[BeneficiaryStatement], tmp_path: Path
) -> None:
    first, second = _structures(platform)[:2]
    sent = [
        send(platform, first, people[0], number="F-TWICE"),
        send(platform, first, people[1], price=2000),
        send(platform, second, people[2]),
    ]
    rejected = send(platform, first, people[0], number="F-TWICE")  # already paid
    assert rejected.status.value == "rejected", (sent[0], rejected)
    report = _run(platform, tmp_path)
    assert report.payouts == 2
    assert report.paid_cents == sum(r.amc_cents for r in sent) == 350 + 700 + 350
    assert report.paid_lines == 3
    assert report.advised_rejections == 1
    amcs = {people[i].amc_number for i in range(3)}
    assert report.settlements == len(amcs)
    kinds = sorted(validate_pain(path.read_bytes()).name for path in report.files)
    assert len(kinds) == 2
    for path in report.files:
        assert path.stat().st_mode & 0o077 == 0
        assert people[0].insured_nir not in path.read_text()
    assert check_ledger(uow=platform.uow()).ok

    again = _run(platform, tmp_path)
    assert (again.payouts, again.paid_cents, again.settlements) == (2, 1400, len(amcs))
    assert [p.read_bytes() for p in again.files] == [p.read_bytes() for p in report.files]
    with platform.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PayoutRow)) == 2
    assert check_ledger(uow=platform.uow()).ok


def test_lines_received_after_a_run_go_in_the_next_one(
    platform: Platform, people: list[BeneficiaryStatement], tmp_path: Path
) -> None:
    (finess,) = _structures(platform)[:1]
    send(platform, finess, people[0])
    assert _run(platform, tmp_path).paid_lines == 1
    clock = platform.clock
    clock.set(clock.now() + timedelta(hours=1))  # type: ignore[attr-defined]
    send(platform, finess, people[1])
    assert _run(platform, tmp_path).paid_lines == 1  # same date: already run
    nxt = _run(platform, tmp_path, day=TODAY + timedelta(days=1))
    assert nxt.paid_lines == 1
    assert check_ledger(uow=platform.uow()).ok


def test_a_held_structure_is_skipped_and_paid_later(
    platform: Platform, people: list[BeneficiaryStatement], tmp_path: Path
) -> None:
    first, second = _structures(platform)[:2]
    send(platform, first, people[0])
    send(platform, second, people[1])
    held = _run(
        platform,
        tmp_path,
        accounts_for=lambda uow, batch: structure_accounts(uow, batch) | {first: None},
    )
    assert held.held == (first,)
    assert held.paid_lines == 1
    later = _run(platform, tmp_path, day=TODAY + timedelta(days=1))
    assert later.paid_lines == 1
    assert check_ledger(uow=platform.uow()).ok


def test_what_a_run_does_for_each_batch_reads_its_lines_by_index(
    sqlite_platform: Platform, sqlite_people: list[BeneficiaryStatement], tmp_path: Path
) -> None:
    """A statement run for every structure (each row of an executemany) or batch that
    scanned invoice_lines would make a run cost structures x lines (timings live in
    benchmarks/payment_run.py). It reads SQLite's query plans; PostgreSQL's planner may
    prefer a scan on a tiny table."""
    platform, people = sqlite_platform, sqlite_people
    engine = platform.database.engine
    first, second = _structures(platform)[:2]
    send(platform, first, people[0])
    send(platform, second, people[1])
    send(platform, second, people[2], number="F-TWICE")
    send(platform, second, people[2], number="F-TWICE")  # rejected: already paid
    executed: dict[str, bool] = {}

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        executed[statement] = executed.get(statement, False) or executemany

    event.listen(engine, "before_cursor_execute", record)
    try:
        report = _run(platform, tmp_path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert (report.payouts, report.advised_rejections) == (2, 1)
    per_batch = [
        sql
        for sql, many in executed.items()
        if "invoice_lines" in sql and (many or " IN (" in sql) and "JOIN" not in sql
    ]
    assert len(per_batch) == 4  # advise and mark (per structure), payable and sums (a batch)
    with engine.connect() as conn:
        for sql in per_batch:
            plan = " | ".join(
                row[3]
                for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?")
                )
            )
            assert "SCAN invoice_lines" not in plan, (sql, plan)
            assert any(
                f"{index} (status=? AND {column}=?" in plan
                for index, column in (
                    ("ix_invoice_lines_payable", "payout_id"),
                    ("ix_invoice_lines_advice", "advised_run_id"),
                )
            ), (sql, plan)


def test_the_ledger_check_names_tampering(
    platform: Platform, people: list[BeneficiaryStatement], tmp_path: Path
) -> None:
    (finess,) = _structures(platform)[:1]
    send(platform, finess, people[0])
    _run(platform, tmp_path)
    with platform.uow() as uow:
        entry_id = uow.session.scalars(select(LedgerEntryRow.id).limit(1)).one()
        uow.session.execute(
            update(LedgerEntryRow).where(LedgerEntryRow.id == entry_id).values(amount_cents=1)
        )
        uow.session.execute(update(PayoutRow).values(amount_cents=PayoutRow.amount_cents + 1))
        uow.session.execute(update(SettlementRow).values(amount_cents=0))
        uow.commit()
    report = check_ledger(uow=platform.uow())
    text = "\n".join(report.violations)
    assert "does not balance" in text
    assert "payout" in text
    assert "settlement" in text


def test_a_paid_invoice_cannot_be_cancelled(
    platform: Platform, people: list[BeneficiaryStatement], tmp_path: Path
) -> None:
    from rempart.claims.cancellation import cancel_invoice
    from rempart.kernel.errors import Forbidden
    from rempart.shield.port import FixedBudgetShield

    from .world import counter_of

    (finess,) = _structures(platform)[:1]
    receipt = send(platform, finess, people[0])
    _run(platform, tmp_path)
    with pytest.raises(Forbidden):
        cancel_invoice(
            uow=platform.uow(),
            actor=counter_of(finess),
            shield=FixedBudgetShield(),
            invoice_id=receipt.invoice_id,
        )
    with platform.uow() as uow:
        paid = uow.session.scalar(select(func.count()).where(InvoiceLineRow.payout_id.is_not(None)))
    assert paid == 1


def test_a_batch_naming_an_unregistered_structure_is_refused(
    platform: Platform, people: list[BeneficiaryStatement]
) -> None:
    """As the per-structure decision did: lines for a structure the directory does not
    hold stop the run for the operator, rather than wait unseen among the held."""
    (registered,) = _structures(platform)[:1]
    unregistered = "01000000" + luhn_check_digit("01000000")
    assert unregistered not in _structures(platform)
    with platform.uow() as uow, pytest.raises(NotFound):
        decide_payouts(uow, structure_finesses=[registered, unregistered], at=uow.clock.now())
    with platform.uow() as uow:
        (decided,) = decide_payouts(uow, structure_finesses=[registered], at=uow.clock.now())
    assert decided == registered
