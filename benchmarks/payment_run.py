"""A payment run over N accepted invoice lines: its time and lines per second, against the
raw aggregation of the same lines measured on the same data; then the ledger check.

Setup (not timed): a fresh key ring and schema; --structures structures of a generated
France registered through the registry (names, sealed IBANs), its insurers each with a
SEPA B2B mandate, and 2,000 people imported through the real importer so that invoices
cite real beneficiaries and their insurers. Then N accepted lines, written as the intake
writes them but without adjudicating them one by one (1,000,000 invoices through the
intake would take hours): invoices of 1 to 3 pharmacy lines received in the last week,
each structure picked uniformly, each accepted invoice with its acceptance posting (two
ledger entries a line, built by `payments.ledger.acceptance`), plus 5% of invoices from
strangers whose lines were rejected (the run advises them). Rows go in with the
driver-level executemany the importer uses (`rempart.db.bulk`), a transaction a batch.
On PostgreSQL the tables are then ANALYZEd, as autovacuum would soon do; SQLite is left
as the product leaves it (no ANALYZE).

Measured on a copy of that database for each of --repeats runs:
- the floor: `SELECT structure_finess, sum(amc_cents), count(*) FROM invoice_lines WHERE
  status = 'accepted' AND payout_id IS NULL GROUP BY structure_finess`, the bare read of
  what a run pays (median of three, after one to warm the cache);
- the run: `run_payments` (batches of 200 structures a transaction: lines marked with
  their payout, summed, payout with its sealed IBAN, ledger posting; per-insurer
  settlements; pain.001 and pain.008 written and validated against the XSDs), then its
  report checked (every line paid once, the total, one payout per structure, rejections
  advised, one settlement per insurer);
- `check_ledger` over the result, which must find nothing;
- on a second copy, the raw marking (no target): the run's one mandatory write alone, in
  one transaction — for each structure with accepted lines, one UPDATE giving a fresh
  payout id to its accepted unpaid lines received up to the cutoff (the predicates of
  the run's `_MARK_PAID`), one prepared statement through executemany — then the commit;
  its rowcount must be the accepted lines. The structures come from one run of the
  aggregation first, untimed, which also warms that copy's cache as the floor warms the
  run's.
The ratio is floor time / run time (1 would be a run as cheap as reading its input).
Beside it, without a target, the run against the raw marking (marking time / run time).
The mandatory write alone is already 9 to 16 times the aggregation on SQLite (50,000
lines: 36-59 ms to read them, 330-550 ms to mark them; 1,000,000 lines: 1.7 s and 15.2
s) and 60 to 75 times on PostgreSQL: so a run that writes each line can meet the 0.1
target against the aggregation on SQLite only by adding almost nothing to that write,
and on PostgreSQL not at all. The marking floor shows how much the run adds beyond its
own mandatory write.

    python benchmarks/payment_run.py [--quick] [--lines N] [--structures N] [--postgres URL]

Targets (SQLite, 2 cores), full run (1,000,000 lines, 10,000 structures): the run within
10x the raw aggregation (ratio >= 0.1). The run must write every line once (its new
payout_id also moves its entry in ix_invoice_lines_payable), which costs several times
reading it, plus a payout with an encrypted IBAN and a posting per structure and two
files; a run that added little beyond those writes would land within 10x. And within 5
minutes: 1,000,000 lines is of the order of a day's accepted lines for an operator with a
third of the insured (DOMAIN.md: 1.39 billion claims a year in France), and a nightly run
has hours. --quick (50,000 lines, 1,000 structures) checks the same ratio, which its 50
lines a structure make harder, and finishes in under a minute. PostgreSQL is reported
when --postgres (or REMPART_TEST_DATABASE_URL) is given; the full run loads its data in 2
to 8 minutes a backend, depending on the backend and the machine's load.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, select, text, update
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import arguments, median, report, timed
from _world import databases, drop_postgres, fresh_postgres, import_france, new_platform
from rempart.bootstrap import Platform, open_platform
from rempart.claims.models import InvoiceLineRow, InvoiceRow
from rempart.db.base import table_of
from rempart.db.bulk import insert_many
from rempart.kernel.ids import new_id
from rempart.payments import ledger
from rempart.payments.accounts import operator_from
from rempart.payments.checks import check_ledger
from rempart.payments.mandates import record_mandate
from rempart.payments.models import LedgerEntryRow, LedgerPostingRow
from rempart.payments.runs import run_payments
from rempart.registry.generator import generate_france, synthetic_bank_details
from rempart.registry.models import BeneficiaryRow, InsurerRow, MemberRow
from rempart.rights.domain import CoverageRule
from rempart.settings import Settings

PEOPLE = 2_000
REJECTED_SHARE = 0.05  # invoices of strangers, every line rejected
BATCH = 20_000  # lines a transaction while loading
FLOOR = text(
    "SELECT structure_finess, sum(amc_cents), count(*) FROM invoice_lines "
    "WHERE status = 'accepted' AND payout_id IS NULL GROUP BY structure_finess"
)
# A generated France has about 46 structures per 30,000 people.
PEOPLE_PER_STRUCTURE = 30_000 // 46
# The run's mandatory write, with the predicates of `rempart.payments.runs._MARK_PAID`
# (built here rather than imported: it is the run's private statement, and this floor
# must stay the bare write whatever the run does around it).
_LINES = table_of(InvoiceLineRow)
MARK = (
    update(_LINES)
    .where(
        _LINES.c.status == "accepted",
        _LINES.c.payout_id.is_(None),
        _LINES.c.structure_finess == bindparam("finess"),
        _LINES.c.received_at <= bindparam("cutoff"),
    )
    .values(payout_id=bindparam("paid_by"))
)


@dataclasses.dataclass(frozen=True)
class Loaded:
    lines: int  # accepted
    rejected: int
    cents: int
    structures: int  # with accepted lines
    insurers: int  # with accepted lines
    seconds: float


def prepare(platform: Platform, *, structures: int, seed: int, today: date) -> None:
    """Structures, insurers with mandates, and the people invoices are for."""
    world = generate_france(
        seed=seed, beneficiaries=(structures + 50) * PEOPLE_PER_STRUCTURE, today=today
    )
    assert len(world.structures) >= structures, len(world.structures)
    world = dataclasses.replace(world, structures=world.structures[:structures], professionals=())
    import_france(platform, beneficiaries=PEOPLE, seed=seed, today=today, world=world)
    for index, insurer in enumerate(world.insurers):
        iban, bic = synthetic_bank_details(seed=100 + index)
        record_mandate(
            uow=platform.uow(),
            amc_number=insurer.amc_number,
            account_name=f"Mutuelle {insurer.amc_number}",
            iban=iban,
            bic=bic,
            mandate_id=f"RUM-{insurer.amc_number}",
            signed_on=today - timedelta(days=300),
        )


def load_lines(platform: Platform, *, lines: int, seed: int, now: datetime) -> Loaded:
    """`lines` accepted lines (and the rejected invoices of strangers) with their
    invoices and acceptance postings, bulk-inserted."""
    started = time.perf_counter()
    rng = random.Random(f"payment-run-bench:{seed}")
    with platform.uow() as uow:
        finess = sorted(uow.session.scalars(text("SELECT finess FROM structures")))
        people = uow.session.execute(
            select(BeneficiaryRow.id, InsurerRow.amc_number)
            .join(MemberRow, MemberRow.id == BeneficiaryRow.member_id)
            .join(InsurerRow, InsurerRow.id == MemberRow.insurer_id)
        ).all()
    codes = [f"34009{rng.randrange(10**8):08d}" for _ in range(500)]
    invoices_t, lines_t = table_of(InvoiceRow), table_of(InvoiceLineRow)
    postings_t, entries_t = table_of(LedgerPostingRow), table_of(LedgerEntryRow)
    batch: dict[Any, list[dict[str, Any]]] = {t: [] for t in (invoices_t, lines_t)}
    batch |= {postings_t: [], entries_t: []}
    accepted = rejected = cents = number = 0
    paid_structures: set[str] = set()
    paid_insurers: set[str] = set()
    engine: Engine = platform.database.engine

    def flush() -> None:
        with engine.begin() as conn:
            for table, rows in batch.items():  # invoices before what cites them
                insert_many(conn, table, rows)
                rows.clear()

    while accepted < lines:
        number += 1
        structure = rng.choice(finess)
        stranger = rng.random() < REJECTED_SHARE
        beneficiary_id, amc_number = (
            (None, rng.choice(people)[1]) if stranger else rng.choice(people)
        )
        day = (now - timedelta(days=rng.randint(1, 7))).date()
        received = now - timedelta(hours=rng.randint(1, 20), seconds=rng.randrange(3600))
        invoice_id = new_id()
        count = 1 if stranger else min(rng.randint(1, 3), lines - accepted)
        invoice_lines: list[dict[str, Any]] = []
        for line_no, code in enumerate(rng.sample(codes, count), start=1):
            price = rng.randint(150, 6_000)
            amo = price * 65 // 100
            amc = 0 if stranger else price - amo
            invoice_lines.append(
                {
                    "id": new_id(),
                    "invoice_id": invoice_id,
                    "line_no": line_no,
                    "structure_finess": structure,
                    "beneficiary_id": beneficiary_id,
                    "amc_number": amc_number,
                    "date_of_care": day,
                    "invoice_number": f"B{number:09d}",
                    "received_at": received,
                    "category": "pharmacy_65",
                    "code": code,
                    "quantity": 1,
                    "price_cents": price,
                    "amo_paid_cents": amo,
                    "franchise_cents": 0,
                    "amc_cents": amc,
                    "patient_cents": price - amo - amc,
                    "rule": None if stranger else CoverageRule.PERCENT_OF_TM.value,
                    "status": "rejected" if stranger else "accepted",
                    "reason": "no_matching_rights" if stranger else None,
                    "near_duplicate": False,
                    "payout_id": None,
                    "advised_run_id": None,
                }
            )
        total = sum(line["amc_cents"] for line in invoice_lines)
        batch[invoices_t].append(
            {
                "id": invoice_id,
                "structure_finess": structure,
                "rpps": None,
                "invoice_number": f"B{number:09d}",
                "date_of_care": day,
                "beneficiary_id": beneficiary_id,
                "accreditation_id": None,
                "amc_number": amc_number,
                "received_at": received,
                "status": "rejected" if stranger else "accepted",
                "reason": "no_matching_rights" if stranger else None,
                "amc_cents": total,
                "cancelled_at": None,
            }
        )
        batch[lines_t].extend(invoice_lines)
        if stranger:
            rejected += count
        else:
            accepted += count
            cents += total
            paid_structures.add(structure)
            paid_insurers.add(amc_number)
            posting = ledger.acceptance(
                invoice_id,
                [
                    ledger.AcceptedLine(line["id"], amc_number, structure, line["amc_cents"])
                    for line in invoice_lines
                ],
            )
            assert posting is not None
            posting_id = new_id()
            batch[postings_t].append(
                {
                    "id": posting_id,
                    "kind": posting.kind.value,
                    "reference_id": invoice_id,
                    "posted_at": received,
                }
            )
            batch[entries_t].extend(
                {
                    "posting_id": posting_id,
                    "account": entry.account,
                    "amount_cents": entry.amount_cents,
                    "invoice_line_id": entry.invoice_line_id,
                }
                for entry in posting.entries
            )
        if len(batch[lines_t]) >= BATCH:
            flush()
    flush()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return Loaded(
        lines=accepted,
        rejected=rejected,
        cents=cents,
        structures=len(paid_structures),
        insurers=len(paid_insurers),
        seconds=time.perf_counter() - started,
    )


def floor_seconds(engine: Engine, loaded: Loaded) -> float:
    """The raw aggregation: median of three, after one that warms the cache."""
    seconds: list[float] = []
    for attempt in range(4):
        with engine.connect() as conn:
            started = time.perf_counter()
            rows = conn.execute(FLOOR).all()
            if attempt:
                seconds.append(time.perf_counter() - started)
        assert len(rows) == loaded.structures, (len(rows), loaded.structures)
        assert sum(int(r[2]) for r in rows) == loaded.lines
        assert sum(int(r[1]) for r in rows) == loaded.cents
    return median(seconds)


def marking_seconds(engine: Engine, loaded: Loaded, cutoff: datetime) -> float:
    """The raw marking: every structure's accepted lines given a fresh payout id, one
    UPDATE a structure (one prepared statement, executemany) in one transaction."""
    with engine.connect() as conn:  # the structures to pay; warms the cache like the floor
        finess = [row[0] for row in conn.execute(FLOOR)]
    assert len(finess) == loaded.structures, (len(finess), loaded.structures)
    params = [{"finess": f, "cutoff": cutoff, "paid_by": new_id()} for f in finess]
    started = time.perf_counter()
    with engine.begin() as conn:
        marked = conn.execute(MARK, params).rowcount
    seconds = time.perf_counter() - started
    assert marked == loaded.lines, (marked, loaded.lines)
    return seconds


def run_once(platform: Platform, loaded: Loaded, run_date: date) -> dict[str, float]:
    """The floor, the run (checked) and the ledger check, on one copy of the data."""
    floor = floor_seconds(platform.database.engine, loaded)
    out_dir = platform.settings.home / f"payments-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    outcome = run_payments(
        uow=platform.uow(),
        run_date=run_date,
        operator=operator_from(platform.settings),
        out_dir=out_dir,
    )
    run = time.perf_counter() - started
    assert outcome.paid_lines == loaded.lines, (outcome.paid_lines, loaded.lines)
    assert outcome.paid_cents == loaded.cents, (outcome.paid_cents, loaded.cents)
    assert outcome.payouts == loaded.structures, (outcome.payouts, loaded.structures)
    assert not outcome.held
    assert outcome.advised_rejections == loaded.rejected, outcome.advised_rejections
    assert outcome.settlements == loaded.insurers, (outcome.settlements, loaded.insurers)
    assert not outcome.unsettled
    assert len(outcome.files) == 2, outcome.files
    checked: list[Any] = []
    check = timed(lambda: checked.append(check_ledger(uow=platform.uow())))
    assert checked[0].ok, checked[0].violations[:5]
    assert checked[0].lines == loaded.lines + loaded.rejected
    return {"floor_s": floor, "run_s": run, "ledger_check_s": check}


@contextmanager
def copies(backend: str, url: str, server: str | None) -> Iterator[Callable[[], str]]:
    """Makes a fresh copy of the loaded database for each run; removes them all after."""
    made: list[str] = []

    def copy() -> str:
        if backend == "sqlite":
            source = Path(url.removeprefix("sqlite:///"))
            target = source.with_name(f"run-{len(made)}.sqlite3")
            shutil.copyfile(source, target)
            made.append(str(target))
            return f"sqlite:///{target}"
        assert server is not None
        copy_url, name = fresh_postgres(server, template=make_url(url).database)
        made.append(name)
        return copy_url

    try:
        yield copy
    finally:
        for item in made:
            if backend == "sqlite":
                Path(item).unlink(missing_ok=True)
            else:
                assert server is not None
                drop_postgres(server, item)


def measure(backend: str, url: str, scratch: Path, args: argparse.Namespace) -> dict[str, float]:
    home = scratch / f"home-{backend}"
    now = datetime.now(UTC)
    today = now.date()
    started = time.perf_counter()
    platform = new_platform(url, home)
    try:
        prepare(platform, structures=args.structures, seed=args.seed, today=today)
        registered = time.perf_counter() - started
        loaded = load_lines(platform, lines=args.lines, seed=args.seed, now=now)
        if backend == "sqlite":  # one file to copy
            with platform.database.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        platform.close()
    print(
        f"{backend}: {args.structures:,} structures registered in {registered:.1f} s; "
        f"{loaded.lines:,} accepted lines ({loaded.structures:,} structures, "
        f"{loaded.insurers} insurers) and {loaded.rejected:,} rejected ones loaded in "
        f"{loaded.seconds:.1f} s"
    )
    runs: dict[str, list[float]] = {}
    with copies(backend, url, args.postgres) as copy:
        for attempt in range(args.repeats):
            settings = Settings(env=platform.settings.env, home=home, database_url=copy())
            copy_platform = open_platform(settings)
            try:
                measured = run_once(copy_platform, loaded, today)
            finally:
                copy_platform.close()
            # Its own copy: the run has paid every line of the first.
            settings = Settings(env=platform.settings.env, home=home, database_url=copy())
            copy_platform = open_platform(settings)
            try:
                cutoff = datetime.now(UTC)  # as the run's: every loaded line is before it
                marking = marking_seconds(copy_platform.database.engine, loaded, cutoff)
                measured["marking_s"] = marking
            finally:
                copy_platform.close()
            print(
                f"  run {attempt + 1}: {measured['run_s']:.1f} s, floor "
                f"{measured['floor_s'] * 1000:.0f} ms, raw marking "
                f"{measured['marking_s'] * 1000:.0f} ms, ledger check "
                f"{measured['ledger_check_s']:.1f} s"
            )
            for key, value in measured.items():
                runs.setdefault(key, []).append(value)
    figures = {key: median(values) for key, values in runs.items()}
    figures["lines"] = loaded.lines
    figures["structures"] = loaded.structures
    figures["run_lines_per_s"] = loaded.lines / figures["run_s"]
    figures["floor_lines_per_s"] = loaded.lines / figures["floor_s"]
    figures["marking_lines_per_s"] = loaded.lines / figures["marking_s"]
    figures["load_s"] = loaded.seconds
    return figures


def marking_line(backend: str, m: dict[str, float], ratio: float) -> str:
    """The run against its mandatory write, and what that write means for the target."""
    times = m["marking_s"] / m["floor_s"]
    if times * 0.1 > 1:
        verdict = (
            "so the 0.1 target against the aggregation cannot be met on this backend by any "
            "run that writes each line"
        )
    else:
        verdict = f"so a run meeting the 0.1 target may take at most {10 / times:.1f}x it"
    return (
        f"{backend}: raw marking floor {m['marking_s'] * 1000:.0f} ms "
        f"({m['marking_lines_per_s']:,.0f} lines/s: one UPDATE a structure, one "
        f"transaction), run ratio against it {ratio:.3f} (no target). The mandatory write "
        f"alone is already {times:.1f}x the aggregation floor, {verdict}; the marking floor "
        "shows how much the run adds beyond its own mandatory write."
    )


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--lines", type=int, default=None, help="accepted lines to pay")
    parser.add_argument("--structures", type=int, default=None)
    args = parser.parse_args()
    args.lines = args.lines or (50_000 if args.quick else 1_000_000)
    args.structures = args.structures or (1_000 if args.quick else 10_000)
    args.repeats = args.repeats or 1

    figures: dict[str, float] = {}
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for backend, url in databases(scratch, "loaded", args.postgres):
            measured = measure(backend, url, scratch, args)
            figures.update({f"{backend}_{k}": v for k, v in measured.items()})
            ratio = measured["floor_s"] / measured["run_s"]
            ratios[f"{backend}_run_vs_aggregation"] = ratio
            marking = measured["marking_s"] / measured["run_s"]
            ratios[f"{backend}_run_vs_marking"] = marking
            m = measured
            print(
                f"{backend}: run {m['run_s']:.1f} s ({m['run_lines_per_s']:,.0f} lines/s, "
                f"{m['structures']:,.0f} payouts), raw aggregation floor "
                f"{m['floor_s'] * 1000:.0f} ms ({m['floor_lines_per_s']:,.0f} lines/s), ratio "
                f"{ratio:.3f}; ledger check {m['ledger_check_s']:.1f} s (median of "
                f"{args.repeats}, {m['lines']:,.0f} lines)"
            )
            print(marking_line(backend, m, marking))

    targets: dict[str, float] = {"sqlite_run_vs_aggregation": 0.1}
    met = ratios["sqlite_run_vs_aggregation"] >= targets["sqlite_run_vs_aggregation"]
    if args.lines >= 1_000_000:
        targets["sqlite_run_s"] = 300
        met = met and figures["sqlite_run_s"] <= targets["sqlite_run_s"]
    report("payment_run", figures, ratios, targets, met)


if __name__ == "__main__":
    main()
