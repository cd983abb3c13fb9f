"""Payment runs: pay each structure its accepted lines in one transfer, advise its
rejections, debit each insurer what was paid on its behalf, and write the SEPA files.

A run is keyed by its value date and can be killed at any point and run again:
- the lines it takes are those received up to its cutoff, fixed when it starts;
- each batch of structures is one transaction that marks their lines with a payout,
  records the payout with the account it goes to, and posts it to the ledger — so a line
  is paid in one payout or in none, and a batch is done or not at all. A batch is a few
  statements whatever its size (each run once for all its structures), not a few a
  structure: a run of 10,000 structures once spent most of its time in their overhead;
- settlements and files are derived from what the payouts recorded, so redoing them
  gives the same result.
Structures whose payments are held (a bank account change in its cooling-off period) are
skipped; their lines stay payable for a later run."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import bindparam, func, or_, select, update

from rempart.audit.domain import Category
from rempart.audit.trail import record_action
from rempart.claims.models import InvoiceLineRow
from rempart.db.base import table_of
from rempart.db.bulk import insert_many
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Channel
from rempart.kernel.ids import new_id
from rempart.payments import ledger
from rempart.payments.accounts import (
    Operator,
    PayoutAccountsFor,
    mandate_of,
    structure_accounts,
)
from rempart.payments.files import write_run_files
from rempart.payments.journal import post
from rempart.payments.models import PaymentRunRow, PayoutRow, SettlementRow
from rempart.payments.sepa import Account

RUNNING, PAID, DONE = "running", "paid", "done"
PAYOUT_MADE = "payments:payout:made"
_ACCEPTED, _REJECTED = "accepted", "rejected"
_PAYOUTS = table_of(PayoutRow)

# A batch's lines, as statements built once. Each names the columns of
# ix_invoice_lines_payable (status, payout_id, structure_finess) so that it reads the
# batch's structures' lines only: without them a run costs structures x lines. A rejected
# line is never paid, so `payout_id IS NULL` excludes none of them (the index still
# leads to the structure's rejections that earlier runs advised: advised_run_id is not in
# it). The updates run once per structure, in one executemany; the reads once per batch.
_LINES = table_of(InvoiceLineRow)
_OF_STRUCTURE = (
    _LINES.c.payout_id.is_(None),
    _LINES.c.structure_finess == bindparam("finess"),
    _LINES.c.received_at <= bindparam("cutoff"),
)
_PAYABLE = (_LINES.c.status == _ACCEPTED, *_OF_STRUCTURE)
_ADVISE = (
    update(_LINES)
    .where(_LINES.c.status == _REJECTED, _LINES.c.advised_run_id.is_(None), *_OF_STRUCTURE)
    .values(advised_run_id=bindparam("advised_by"))
)
_PAYABLE_IN_BATCH = (
    select(_LINES.c.structure_finess)
    .where(
        _LINES.c.status == _ACCEPTED,
        _LINES.c.payout_id.is_(None),
        _LINES.c.structure_finess.in_(bindparam("batch", expanding=True)),
        _LINES.c.received_at <= bindparam("cutoff"),
    )
    .distinct()
)
_MARK_PAID = update(_LINES).where(*_PAYABLE).values(payout_id=bindparam("paid_by"))
_SUM_PAID = (
    select(_LINES.c.payout_id, func.sum(_LINES.c.amc_cents), func.count())
    .where(
        _LINES.c.status == _ACCEPTED,
        _LINES.c.payout_id.in_(bindparam("payouts", expanding=True)),
    )
    .group_by(_LINES.c.payout_id)
)


@dataclass(frozen=True)
class RunReport:
    run_id: uuid.UUID
    run_date: date
    payouts: int
    paid_cents: int
    paid_lines: int
    held: tuple[str, ...]  # FINESS whose payment waits for a bank account change
    advised_rejections: int
    settlements: int
    unsettled: tuple[str, ...]  # AMC numbers without a direct debit mandate
    files: tuple[Path, ...]


def run_payments(
    *,
    uow: UnitOfWork,
    run_date: date,
    operator: Operator,
    out_dir: Path,
    accounts_for: PayoutAccountsFor = structure_accounts,
    batch_size: int = 200,
    batch_pause: float = 0.0,
) -> RunReport:
    """Runs (or resumes) the payment run of `run_date`. `batch_pause` spaces the batches
    out to spare a production database; nothing depends on it."""
    with uow.exclusive("payment-run", what="a payment run"):
        run_id = _open_run(uow, run_date)
        held: list[str] = []
        cutoff, structures = _structures_due(uow, run_id)
        for start in range(0, len(structures), batch_size):
            with uow:
                batch = structures[start : start + batch_size]
                held += _settle_batch(uow, run_id, cutoff, batch, accounts_for)
                uow.commit()
            if batch_pause:
                time.sleep(batch_pause)
        unsettled = _debit_insurers(uow, run_id)
        files = write_run_files(uow=uow, run_id=run_id, operator=operator, out_dir=out_dir)
        with uow:
            run = uow.session.get_one(PaymentRunRow, run_id)
            run.status = DONE
            run.finished_at = uow.clock.now()
            uow.commit()
        return _report(uow, run_id, run_date, held, unsettled, files)


def _open_run(uow: UnitOfWork, run_date: date) -> uuid.UUID:
    with uow:
        run = uow.session.scalars(
            select(PaymentRunRow).where(PaymentRunRow.run_date == run_date)
        ).first()
        if run is not None:
            return run.id
        run_id = new_id()
        now = uow.clock.now()
        uow.session.add(
            PaymentRunRow(id=run_id, run_date=run_date, status=RUNNING, started_at=now, cutoff=now)
        )
        uow.commit()
    return run_id


def _structures_due(uow: UnitOfWork, run_id: uuid.UUID) -> tuple[datetime, list[str]]:
    """The run's cutoff, and the structures with lines to pay or rejections to advise up
    to it."""
    with uow:
        cutoff = uow.session.get_one(PaymentRunRow, run_id).cutoff
        return cutoff, list(
            uow.session.scalars(
                select(InvoiceLineRow.structure_finess)
                .where(
                    InvoiceLineRow.received_at <= cutoff,
                    or_(
                        (InvoiceLineRow.status == _ACCEPTED) & InvoiceLineRow.payout_id.is_(None),
                        (InvoiceLineRow.status == _REJECTED)
                        & InvoiceLineRow.advised_run_id.is_(None),
                    ),
                )
                .distinct()
                .order_by(InvoiceLineRow.structure_finess)
            )
        )


def _settle_batch(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    cutoff: datetime,
    batch: Sequence[str],
    accounts_for: PayoutAccountsFor,
) -> list[str]:
    """Pays the batch's structures (but those held) and advises their rejections.
    Returns the structures held, which had lines to pay."""
    session = uow.session
    session.execute(_ADVISE, [{"finess": f, "cutoff": cutoff, "advised_by": run_id} for f in batch])
    with_lines = set(session.scalars(_PAYABLE_IN_BATCH, {"batch": list(batch), "cutoff": cutoff}))
    payable = [f for f in batch if f in with_lines]
    if not payable:
        return []
    accounts = accounts_for(uow, payable)
    paying = {f: new_id() for f in payable if accounts.get(f) is not None}
    if paying:
        # Mark first, then sum what was marked: a line cancelled meanwhile is in neither.
        session.execute(
            _MARK_PAID,
            [{"finess": f, "cutoff": cutoff, "paid_by": p} for f, p in paying.items()],
        )
        sums = {
            payout_id: (int(summed), lines)  # PostgreSQL sums bigints as numeric
            for payout_id, summed, lines in session.execute(
                _SUM_PAID, {"payouts": list(paying.values())}
            )
        }
        _record_payouts(uow, run_id, paying, accounts, sums)
    return [f for f in payable if f not in paying]


def _record_payouts(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    paying: dict[str, uuid.UUID],
    accounts: dict[str, Account | None],
    sums: dict[uuid.UUID, tuple[int, int]],
) -> None:
    """Each payout with the account it goes to (its IBAN sealed), its ledger posting and
    its audit record. A structure whose marked lines were all cancelled meanwhile gets
    no payout: its lines are in none."""
    now, vault = uow.clock.now(), uow.vault
    made = [
        (finess, payout_id, account, *sums[payout_id])
        for finess, payout_id in paying.items()
        if (account := accounts[finess]) is not None and payout_id in sums
    ]
    insert_many(
        uow.connection(),
        _PAYOUTS,
        [
            {
                "id": payout_id,
                "key_version": vault.active_version,
                "run_id": run_id,
                "structure_finess": finess,
                "account_name": account.name[:200],
                "iban": vault.seal(account.iban, table="payouts", column="iban", row_id=payout_id),
                "iban_last4": account.iban[-4:],
                "bic": account.bic,
                "amount_cents": total,
                "lines": lines,
                "end_to_end_id": f"RP{payout_id.hex}",
                "created_at": now,
            }
            for finess, payout_id, account, total, lines in made
        ],
    )
    for finess, payout_id, _, total, _ in made:
        post(uow, ledger.payout(payout_id, finess, total))
        # The operator's run, not a person: the record says which structure's account
        # was used, never the account itself.
        record_action(
            uow, tag=PAYOUT_MADE, channel=Channel.CLI, structure=finess, categories={Category.BANK}
        )


def _debit_insurers(uow: UnitOfWork, run_id: uuid.UUID) -> tuple[str, ...]:
    """One settlement per insurer for what this run paid on its behalf, posted when the
    insurer has a mandate to debit. Returns the insurers without one."""
    unsettled: list[str] = []
    with uow:
        owed = uow.session.execute(
            select(
                InvoiceLineRow.amc_number,
                func.sum(InvoiceLineRow.amc_cents),
                func.count(),
            )
            .join(PayoutRow, PayoutRow.id == InvoiceLineRow.payout_id)
            .where(PayoutRow.run_id == run_id)
            .group_by(InvoiceLineRow.amc_number)
            .order_by(InvoiceLineRow.amc_number)
        ).all()
        done = set(
            uow.session.scalars(
                select(SettlementRow.amc_number).where(SettlementRow.run_id == run_id)
            )
        )
        for amc_number, summed, lines in owed:
            total = int(summed)
            if amc_number in done:
                continue
            if mandate_of(uow, amc_number) is None:
                unsettled.append(amc_number)
                continue
            settlement_id = new_id()
            uow.session.add(
                SettlementRow(
                    id=settlement_id,
                    run_id=run_id,
                    amc_number=amc_number,
                    amount_cents=total,
                    lines=lines,
                    end_to_end_id=f"RS{settlement_id.hex}",
                    created_at=uow.clock.now(),
                )
            )
            post(uow, ledger.settlement(settlement_id, amc_number, total))
        run = uow.session.get_one(PaymentRunRow, run_id)
        run.status = PAID
        uow.commit()
    return tuple(unsettled)


def _report(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    run_date: date,
    held: Sequence[str],
    unsettled: tuple[str, ...],
    files: tuple[Path, ...],
) -> RunReport:
    with uow:
        payouts, paid, lines = uow.session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(PayoutRow.amount_cents), 0),
                func.coalesce(func.sum(PayoutRow.lines), 0),
            ).where(PayoutRow.run_id == run_id)
        ).one()
        settlements = uow.session.scalar(select(func.count()).where(SettlementRow.run_id == run_id))
        advised = uow.session.scalar(
            select(func.count()).where(InvoiceLineRow.advised_run_id == run_id)
        )
    return RunReport(
        run_id=run_id,
        run_date=run_date,
        payouts=payouts,
        paid_cents=int(paid),
        paid_lines=int(lines),
        held=tuple(held),
        advised_rejections=advised or 0,
        settlements=settlements or 0,
        unsettled=unsettled,
        files=files,
    )
