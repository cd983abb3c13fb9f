"""Rows per second importing an insurer's rights file, against a raw insert of the same
rows measured in the same run.

The floor reads the same CSV with the csv module and inserts the same rows (members,
beneficiaries, rights periods) in clear into bare tables — no validation, encryption,
blind indexes, idempotency or checkpoints — with the same batch size and the same
driver-level executemany (rempart.db.bulk) the import uses. The ratio is import rate /
floor rate. Rates are rows (beneficiary lines) per second, medians over --repeats runs.

    python benchmarks/import_rights.py [--quick] [--rows N] [--postgres URL]

Targets on 2 cores: >= 20,000 rows/s on SQLite and a ratio >= 0.25. PostgreSQL is
reported when --postgres (or REMPART_TEST_DATABASE_URL) is given.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, report, timed
from _world import drop_postgres, fresh_postgres
from rempart.bootstrap import open_platform
from rempart.db.bulk import insert_many
from rempart.registry import service
from rempart.registry.generator import generate_france, generate_statements
from rempart.registry.rights_file import write_csv
from rempart.settings import Environment, Settings
from rempart.vault.keyring import KeyRing, LocalFileKeySource

TODAY = date(2026, 11, 28)
BATCH = 2000


def raw_insert(url: str, rights_csv: Path) -> float:
    """The floor: the same rows, in clear, into bare tables."""
    engine = create_engine(url)
    metadata = MetaData()
    suffix = uuid.uuid4().hex[:8]
    members = Table(
        f"raw_members_{suffix}",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("amc_number", String),
        Column("member_number", String),
        Column("insured_nir", String),
        Column("contract_code", String),
        Column("agreement_type", String),
    )
    beneficiaries = Table(
        f"raw_beneficiaries_{suffix}",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("member_id", Uuid),
        Column("nir", String),
        Column("birth_date", String),
        Column("birth_rank", Integer),
        Column("relationship", String),
        Column("last_name", String),
        Column("first_name", String),
        Column("as_of", Date),
    )
    periods = Table(
        f"raw_periods_{suffix}",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("beneficiary_id", Uuid),
        Column("rights", String),
    )
    metadata.create_all(engine)

    def run() -> None:
        with rights_csv.open(encoding="utf-8", newline="") as handle, engine.begin() as conn:
            reader = csv.DictReader(handle)
            members_seen: dict[tuple[str, str], uuid.UUID] = {}
            batch_m: list[dict[str, object]] = []
            batch_b: list[dict[str, object]] = []
            batch_p: list[dict[str, object]] = []

            def flush() -> None:
                for table, rows in (
                    (members, batch_m),
                    (beneficiaries, batch_b),
                    (periods, batch_p),
                ):
                    insert_many(conn, table, rows)
                    rows.clear()

            for row in reader:
                key = (row["amc_number"], row["member_number"])
                member_id = members_seen.get(key)
                if member_id is None:
                    member_id = members_seen[key] = uuid.uuid4()
                    batch_m.append(
                        {
                            "id": member_id,
                            "amc_number": key[0],
                            "member_number": key[1],
                            "insured_nir": row["insured_nir"],
                            "contract_code": row["contract_code"],
                            "agreement_type": row["agreement_type"],
                        }
                    )
                beneficiary_id = uuid.uuid4()
                batch_b.append(
                    {
                        "id": beneficiary_id,
                        "member_id": member_id,
                        "nir": row["beneficiary_nir"],
                        "birth_date": row["birth_date"],
                        "birth_rank": int(row["birth_rank"]),
                        "relationship": row["relationship"],
                        "last_name": row["last_name"],
                        "first_name": row["first_name"],
                        "as_of": date.fromisoformat(row["as_of"]),
                    }
                )
                for chunk in row["rights"].split(";"):
                    batch_p.append(
                        {"id": uuid.uuid4(), "beneficiary_id": beneficiary_id, "rights": chunk}
                    )
                if len(batch_b) >= BATCH:
                    flush()
            flush()

    seconds = timed(run)
    metadata.drop_all(engine)
    engine.dispose()
    return seconds


def real_import(
    url: str, home: Path, rights_csv: Path, rows: int, seed: int
) -> tuple[float, float]:
    """Seconds for a first import, and for re-importing the same file (all unchanged)."""
    LocalFileKeySource(home / "keys.json", require_private=True).save(KeyRing.generate())
    settings = Settings(
        env=Environment.DEVELOPMENT, home=home, database_url=url, import_batch_size=BATCH
    )
    platform = open_platform(settings, migrate=True)
    world = generate_france(seed=seed, beneficiaries=rows, today=TODAY)
    service.register_reference_data(uow=platform.uow(), insurers=world.insurers)

    def run() -> None:
        outcome = service.import_rights_file(
            uow=platform.uow(),
            path=rights_csv,
            as_of=TODAY,
            batch_size=BATCH,
        )
        assert outcome.rejected == 0, outcome

    first = timed(run)
    again = timed(run)
    platform.close()
    return first, again


def measure(
    backend: str,
    make_url_for_run: Callable[[int], tuple[str, Callable[[], None]]],
    rights_csv: Path,
    rows: int,
    repeats: int,
    seed: int,
    scratch: Path,
) -> dict[str, float]:
    timings: dict[str, list[float]] = {"import": [], "reimport": [], "floor": []}
    for attempt in range(repeats):
        url, cleanup = make_url_for_run(attempt)
        try:
            timings["floor"].append(raw_insert(url, rights_csv))
        finally:
            cleanup()
        url, cleanup = make_url_for_run(attempt + 1000)
        try:
            first, again = real_import(
                url, scratch / f"{backend}-{attempt}", rights_csv, rows, seed
            )
        finally:
            cleanup()
        timings["import"].append(first)
        timings["reimport"].append(again)
    return {f"{name}_rows_per_s": rows / median(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run, under a minute")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--postgres", default=os.environ.get("REMPART_TEST_DATABASE_URL"))
    args = parser.parse_args()
    rows = args.rows or (20_000 if args.quick else 200_000)
    repeats = args.repeats or (1 if args.quick else 3)

    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        world = generate_france(seed=args.seed, beneficiaries=rows, today=TODAY)
        rights_csv = scratch / "rights.csv"
        with rights_csv.open("w", encoding="utf-8", newline="") as handle:
            write_csv(
                generate_statements(france=world, seed=args.seed, beneficiaries=rows, today=TODAY),
                handle,
            )

        def sqlite_url(attempt: int) -> tuple[str, Callable[[], None]]:
            path = scratch / f"sqlite-{attempt}.sqlite3"
            return f"sqlite:///{path}", lambda: None

        figures: dict[str, float] = {}
        sqlite = measure("sqlite", sqlite_url, rights_csv, rows, repeats, args.seed, scratch)
        figures.update({f"sqlite_{k}": v for k, v in sqlite.items()})
        ratios = {
            "sqlite_import_vs_raw_insert": sqlite["import_rows_per_s"] / sqlite["floor_rows_per_s"]
        }
        print(
            f"SQLite: import {sqlite['import_rows_per_s']:,.0f} rows/s, re-import (unchanged) "
            f"{sqlite['reimport_rows_per_s']:,.0f} rows/s, raw insert floor "
            f"{sqlite['floor_rows_per_s']:,.0f} rows/s, ratio "
            f"{ratios['sqlite_import_vs_raw_insert']:.2f} (median of {repeats}, {rows:,} rows)"
        )

        if args.postgres:
            server = args.postgres

            def pg_url(_: int) -> tuple[str, Callable[[], None]]:
                url, name = fresh_postgres(server)
                return url, lambda: drop_postgres(server, name)

            pg = measure("postgres", pg_url, rights_csv, rows, repeats, args.seed, scratch)
            figures.update({f"postgres_{k}": v for k, v in pg.items()})
            ratios["postgres_import_vs_raw_insert"] = (
                pg["import_rows_per_s"] / pg["floor_rows_per_s"]
            )
            print(
                f"PostgreSQL: import {pg['import_rows_per_s']:,.0f} rows/s, re-import "
                f"{pg['reimport_rows_per_s']:,.0f} rows/s, raw insert floor "
                f"{pg['floor_rows_per_s']:,.0f} rows/s, ratio "
                f"{ratios['postgres_import_vs_raw_insert']:.2f}"
            )

    targets = {"sqlite_import_rows_per_s": 20_000, "sqlite_import_vs_raw_insert": 0.25}
    met = (
        figures["sqlite_import_rows_per_s"] >= targets["sqlite_import_rows_per_s"]
        and ratios["sqlite_import_vs_raw_insert"] >= targets["sqlite_import_vs_raw_insert"]
    )
    report("import_rights", figures, ratios, targets, met)


if __name__ == "__main__":
    main()
