"""What the audit log costs and how fast it is checked.

- appends: transactions per second of a representative small write (one row into a bare
  table, one commit, as a rights check's bookkeeping would) without and with an audit
  record in the same unit of work; the ratio is with / without.
- sealing: records per second the sequencer gives leaf indexes to (batches of 5,000,
  compact-range tree state, one commit a batch).
- verification: records per second `verify` checks (payload hash, columns against the
  payload, leaf against the exported checkpoints, every signed root rebuilt).

Medians over --repeats runs.

    python benchmarks/audit_log.py [--quick] [--records N] [--postgres URL]

Targets (SQLite, 2 cores): audit ratio >= 0.35 (a one-row write is the worst case: the
record doubles the rows written and adds eight index entries, where a real rights check
also reads and decrypts), sealing >= 10,000 records/s, verification >= 10,000 records/s
(each record is re-encoded from its columns as well as hashed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Uuid, insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, report, timed
from _world import drop_postgres, fresh_postgres
from rempart.audit.checkpoints import InMemoryCheckpointStore, issue_checkpoint
from rempart.audit.domain import AuditEvent, AuditTag, Category, Outcome
from rempart.audit.recorder import BENEFICIARY, hash_address, pseudonymise_target, record
from rempart.audit.sequencer import seal
from rempart.audit.verification import NullAlertSink, verify
from rempart.bootstrap import Platform, open_platform
from rempart.identity.permissions import Channel
from rempart.settings import Environment, Settings
from rempart.vault.cipher import Vault
from rempart.vault.keyring import KeyRing, LocalFileKeySource

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
ACCOUNT = uuid.uuid4()


def event(vault: Vault, number: int) -> AuditEvent:
    return AuditEvent(
        at=NOW + timedelta(milliseconds=number),
        tag=AuditTag.RIGHTS_CHECK_ANSWERED,
        outcome=Outcome.ALLOWED,
        channel=Channel.API,
        actor_account_id=ACCOUNT,
        actor_rpps="10000000006",
        structure_finess="750000001",
        client_id=ACCOUNT,
        target_pseudonym=pseudonymise_target(vault, BENEFICIARY, f"b-{number % 5000}"),
        target_amc="123456789",
        categories=frozenset({Category.RIGHTS, Category.GUARANTEES}),
        request_id=uuid.uuid4().hex,
        address_hash=hash_address(vault, "192.0.2.10"),
        user_agent_hash=hash_address(vault, "LGO/1.0"),
    )


def open_bench(url: str, home: Path) -> tuple[Platform, Table]:
    LocalFileKeySource(home / "keys.json", require_private=True).save(KeyRing.generate())
    platform = open_platform(
        Settings(env=Environment.DEVELOPMENT, home=home, database_url=url), migrate=True
    )
    metadata = MetaData()
    table = Table(
        f"bench_writes_{uuid.uuid4().hex[:8]}",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("account", Uuid),
        Column("at", DateTime(timezone=True)),
        Column("answer", String(16)),
        Column("count", Integer),
    )
    metadata.create_all(platform.database.engine)
    return platform, table


def appends(platform: Platform, table: Table, count: int, *, audited: bool) -> float:
    statement = insert(table)

    def run() -> None:
        for number in range(count):
            with platform.uow() as uow:
                uow.session.execute(
                    statement,
                    {
                        "id": uuid.uuid4(),
                        "account": ACCOUNT,
                        "at": NOW,
                        "answer": "open",
                        "count": number,
                    },
                )
                if audited:
                    record(uow, event(uow.vault, number))
                uow.commit()

    return count / timed(run)


def bulk_append(platform: Platform, count: int, *, per_transaction: int = 2000) -> None:
    done = 0
    while done < count:
        with platform.uow() as uow:
            for number in range(done, min(count, done + per_transaction)):
                record(uow, event(uow.vault, number))
            uow.commit()
        done += per_transaction


def measure(
    url_for: Callable[[int], tuple[str, Callable[[], None]]],
    scratch: Path,
    transactions: int,
    records: int,
    repeats: int,
) -> dict[str, float]:
    runs: dict[str, list[float]] = {
        "bare_tx_per_s": [],
        "audited_tx_per_s": [],
        "seal_records_per_s": [],
        "verify_records_per_s": [],
    }
    for attempt in range(repeats):
        url, cleanup = url_for(attempt)
        try:
            platform, table = open_bench(url, scratch / f"home-{uuid.uuid4().hex[:6]}")
            try:
                runs["bare_tx_per_s"].append(appends(platform, table, transactions, audited=False))
                runs["audited_tx_per_s"].append(
                    appends(platform, table, transactions, audited=True)
                )
                seal(uow=platform.uow())
                bulk_append(platform, records)
                runs["seal_records_per_s"].append(
                    records / timed(lambda: seal(uow=platform.uow()))  # noqa: B023
                )
                store = InMemoryCheckpointStore()
                issue_checkpoint(uow=platform.uow(), store=store)
                total = records + transactions
                seconds = timed(
                    lambda: verify(uow=platform.uow(), store=store, alerts=NullAlertSink())  # noqa: B023
                )
                runs["verify_records_per_s"].append(total / seconds)
            finally:
                platform.close()
        finally:
            cleanup()
    return {name: median(values) for name, values in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run, under a minute")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--transactions", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--postgres", default=os.environ.get("REMPART_TEST_DATABASE_URL"))
    args = parser.parse_args()
    records = args.records or (30_000 if args.quick else 300_000)
    transactions = args.transactions or (500 if args.quick else 3000)
    repeats = args.repeats or (1 if args.quick else 3)

    figures: dict[str, float] = {}
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)

        def sqlite_url(attempt: int) -> tuple[str, Callable[[], None]]:
            return f"sqlite:///{scratch / f'audit-{attempt}.sqlite3'}", lambda: None

        backends: list[tuple[str, Callable[[int], tuple[str, Callable[[], None]]]]] = [
            ("sqlite", sqlite_url)
        ]
        if args.postgres:
            server = args.postgres

            def pg_url(_: int) -> tuple[str, Callable[[], None]]:
                url, name = fresh_postgres(server)
                return url, lambda: drop_postgres(server, name)

            backends.append(("postgres", pg_url))
        for backend, url_for in backends:
            measured = measure(url_for, scratch, transactions, records, repeats)
            figures.update({f"{backend}_{k}": v for k, v in measured.items()})
            ratios[f"{backend}_audited_vs_bare"] = (
                measured["audited_tx_per_s"] / measured["bare_tx_per_s"]
            )
            print(
                f"{backend}: {measured['bare_tx_per_s']:,.0f} tx/s bare, "
                f"{measured['audited_tx_per_s']:,.0f} tx/s with an audit record (ratio "
                f"{ratios[f'{backend}_audited_vs_bare']:.2f}); sealing "
                f"{measured['seal_records_per_s']:,.0f} records/s; verification "
                f"{measured['verify_records_per_s']:,.0f} records/s "
                f"(median of {repeats}, {records:,} records)"
            )

    targets = {
        "sqlite_audited_vs_bare": 0.35,
        "sqlite_seal_records_per_s": 10_000,
        "sqlite_verify_records_per_s": 10_000,
    }
    met = (
        ratios["sqlite_audited_vs_bare"] >= targets["sqlite_audited_vs_bare"]
        and figures["sqlite_seal_records_per_s"] >= targets["sqlite_seal_records_per_s"]
        and figures["sqlite_verify_records_per_s"] >= targets["sqlite_verify_records_per_s"]
    )
    report("audit_log", figures, ratios, targets, met)


if __name__ == "__main__":
    main()
