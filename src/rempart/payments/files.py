"""A run's SEPA files, derived from what its payouts and settlements recorded: writing
them again gives the same bytes. They hold IBANs: owner-only permissions, written to a
temporary name and renamed, so a bank upload never picks up half a file."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import select

from rempart.claims.calendar import add_working_days
from rempart.db.uow import UnitOfWork
from rempart.payments.accounts import Operator, mandate_of
from rempart.payments.models import PaymentRunRow, PayoutRow, SettlementRow
from rempart.payments.sepa import (
    Account,
    CreditTransfer,
    DirectDebit,
    DirectDebitScheme,
    credit_transfer_file,
    direct_debit_file,
)

# Insurers are businesses: their mandates are B2B, collected one working day after the
# file is sent; two leave the bank room.
COLLECTION_DELAY_WORKING_DAYS = 2


def message_id(kind: str, run: PaymentRunRow) -> str:
    return f"RMP-{kind}-{run.run_date:%Y%m%d}-{run.id.hex[:8]}"


def write_run_files(
    *, uow: UnitOfWork, run_id: uuid.UUID, operator: Operator, out_dir: Path
) -> tuple[Path, ...]:
    with uow:
        run = uow.session.get_one(PaymentRunRow, run_id)
        # The run's own date, not the clock: the same run always writes the same bytes.
        created_at = datetime.combine(run.run_date, time(6, 0), tzinfo=UTC)
        directory = out_dir / run.run_date.isoformat()
        written: list[Path] = []
        transfers = [
            CreditTransfer(
                end_to_end_id=payout.end_to_end_id,
                creditor=Account(
                    payout.account_name[:70],
                    uow.vault.open(payout.iban, table="payouts", column="iban", row_id=payout.id),
                    payout.bic,
                ),
                amount_cents=payout.amount_cents,
                remittance_info=f"Tiers payant {run.run_date:%d/%m/%Y} {payout.lines} lignes",
            )
            for payout in uow.session.scalars(
                select(PayoutRow)
                .where(PayoutRow.run_id == run_id)
                .order_by(PayoutRow.structure_finess)
            )
        ]
        if transfers:
            written.append(
                _write(
                    directory / f"{message_id('CT', run)}.xml",
                    credit_transfer_file(
                        message_id=message_id("CT", run),
                        created_at=created_at,
                        debtor=operator.account,
                        execution_date=run.run_date,
                        transfers=transfers,
                    ),
                )
            )
        debits = []
        for settlement in uow.session.scalars(
            select(SettlementRow)
            .where(SettlementRow.run_id == run_id)
            .order_by(SettlementRow.amc_number)
        ):
            mandate = mandate_of(uow, settlement.amc_number)
            if mandate is None:  # withdrawn since: the settlement waits for a new one
                continue
            account, row = mandate
            debits.append(
                DirectDebit(
                    end_to_end_id=settlement.end_to_end_id,
                    debtor=account,
                    amount_cents=settlement.amount_cents,
                    mandate_id=row.mandate_id,
                    mandate_signed_on=row.signed_on,
                    remittance_info=f"Reglement tiers payant {run.run_date:%d/%m/%Y}",
                )
            )
        if debits:
            written.append(
                _write(
                    directory / f"{message_id('DD', run)}.xml",
                    direct_debit_file(
                        message_id=message_id("DD", run),
                        created_at=created_at,
                        creditor=operator.account,
                        creditor_scheme_id=operator.creditor_id,
                        collection_date=add_working_days(
                            run.run_date, COLLECTION_DELAY_WORKING_DAYS
                        ),
                        debits=debits,
                        scheme=DirectDebitScheme.B2B,
                    ),
                )
            )
    return tuple(written)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return path
