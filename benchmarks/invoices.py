"""Invoices (DRE) adjudicated per second, in process and over HTTP, each against a floor
measured in the same run.

Setup: a temporary REMPART_HOME with a fresh key ring, a synthetic France of N
beneficiaries imported through the real importer, and a professional of one pharmacy
with an open browser session. Invoices are a fixed, shuffled mix of 1 to 3 pharmacy
lines (drugs reimbursed at 65% or 30%, 500 product codes) dated today: 95% for known
people whose rights are open today, 5% for strangers (statements of another seed, never
imported), whose lines are all rejected. Every invoice has its own number and
Idempotency-Key, and every answer is compared with what was expected (accepted, or
rejected as no_matching_rights).

- In process: `submit_invoice` (shield, validation, idempotency read, identification by
  card, beneficiary lock, consumption read and written, already-paid and near-duplicate
  reads, adjudication, invoice and line rows, acceptance posting, idempotency row, audit
  record, commit), one unit of work per invoice, against the floor: the same invoice's
  row and line rows written with plain `insert()` statements in a unit of work and
  committed, per invoice — the raw write an intake cannot avoid. The floor's rows are
  deleted after each floor run, so the intake never sees them.
- Over HTTP: the real app under uvicorn in a separate process (benchmarks/_http.py: one
  worker, as `rempart serve` runs it), driven by --clients keep-alive connections (raw
  HTTP/1.1 from one event loop) for --duration seconds. `POST /api/v1/invoices` is
  measured against `POST /bench/bare` on the same server, a constant `async def` route
  the benchmark adds to its own app object, posted the same bodies: the floor pays the
  HTTP stack, middlewares and client, and nothing of authentication, validation, thread
  hops or the intake.

Both use a FixedBudgetShield with a budget far above what they can reach, so the
shield's bookkeeping is paid and nothing is throttled. Rates are medians over --repeats
runs; latencies are the medians of each run's p50/p99.

    python benchmarks/invoices.py [--quick] [--beneficiaries N] [--postgres URL]

Targets (SQLite, 2 cores): in process a ratio >= 0.25 against the raw insert. An invoice
writes about 6 + 3 x lines rows (invoice, lines, two ledger entries a line, posting,
consumption, idempotency key, audit record, the beneficiary lock) and reads about nine
times, in one commit, where the floor writes 1 + lines rows: were its statements to cost
what the floor's cost, it would reach 0.2 to 0.3, so 0.25 asks that it spend little
beyond them. Over HTTP at least 100 invoices/s and a ratio >= 0.25 against the bare
route: DOMAIN.md puts the national peak at a few hundred invoices a second across all
operators, so one operator's peak is of the order of 100 invoices/s. Production runs
several app workers on PostgreSQL; here one uvicorn worker on one SQLite file, on a
2-core machine it shares with its load generator, stands in for them, which makes the
target demanding on purpose. PostgreSQL is reported when --postgres (or
REMPART_TEST_DATABASE_URL) is given.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import arguments, median, report
from _http import Requests, against_bare, percentile, summary
from _http import add_arguments as add_http_arguments
from _world import (
    UNTHROTTLED,
    card_of,
    databases,
    import_france,
    new_platform,
    open_on,
    professional_of,
)
from rempart.audit.context import RequestContext, serving
from rempart.bootstrap import Platform
from rempart.claims.domain import ClaimedLine, InvoiceStatus
from rempart.claims.models import InvoiceLineRow, InvoiceRow
from rempart.claims.requests import CardData, InvoiceSubmission
from rempart.claims.service import submit_invoice
from rempart.db.base import table_of
from rempart.identity.permissions import Actor
from rempart.identity.sessions import COOKIE_NAME, csrf_token
from rempart.kernel.ids import new_id
from rempart.registry.domain import CareCategory, StructureKind
from rempart.registry.generator import generate_statements
from rempart.registry.repository import RegistryRepository
from rempart.rights.domain import CareLine
from rempart.rights.reasons import Reason
from rempart.settings import Settings
from rempart.shield.port import FixedBudgetShield

KNOWN_SHARE = 0.95
CARD_POOL = 2000  # distinct known people cycled through
MIX = 4000  # distinct invoices (lines and people) cycled through; numbers never repeat
INVOICES = "/api/v1/invoices"
AMO_RATES = {CareCategory.PHARMACY_65: 6500, CareCategory.PHARMACY_30: 3000}


@dataclass(frozen=True)
class Invoice:
    card: dict[str, object]  # as the pharmacy's software sends it
    lines: tuple[dict[str, object], ...]
    known: bool
    beneficiary_id: uuid.UUID | None  # for the floor's rows
    amc_number: str

    def body(self, number: str, today: date) -> dict[str, object]:
        return {
            "invoice_number": number,
            "date_of_care": today.isoformat(),
            "card": self.card,
            "lines": list(self.lines),
        }


@dataclass
class Bench:
    platform: Platform
    settings: Settings
    actor: Actor
    token: str
    structure: str
    invoices: list[Invoice]


def care_lines(rng: random.Random, codes: list[str]) -> tuple[dict[str, object], ...]:
    lines: list[dict[str, object]] = []
    for code in rng.sample(codes, rng.randint(1, 3)):
        category = rng.choice((CareCategory.PHARMACY_65,) * 2 + (CareCategory.PHARMACY_30,))
        price = rng.randint(150, 6_000)
        quantity = rng.choice((1, 1, 1, 2))
        lines.append(
            {
                "category": category.value,
                "code": code,
                "quantity": quantity,
                "unit_price_cents": price,
                "unit_br_cents": price,
                "amo_rate_bp": AMO_RATES[category],
                "amo_cents": price * quantity * AMO_RATES[category] // 10_000,
            }
        )
    return tuple(lines)


def prepare(url: str, home: Path, beneficiaries: int, seed: int, today: date) -> Bench:
    """Keys, schema, reference data, the rights file through the real importer, a
    professional of one pharmacy with a session, and the mix of invoices."""
    platform = new_platform(url, home)
    world, statements = import_france(platform, beneficiaries=beneficiaries, seed=seed, today=today)
    pharmacy = next(s.finess for s in world.structures if s.kind is StructureKind.PHARMACY)
    rpps = next((p.rpps for p in world.professionals if pharmacy in p.structures), None)
    professional = professional_of(platform, pharmacy, rpps)

    rng = random.Random(f"invoices-bench:{seed}")
    known = [line for line in statements if open_on(line, today)]
    known = rng.sample(known, min(CARD_POOL, len(known)))
    with platform.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        ids = [
            repository.find_beneficiary_id(
                insured_nir=line.insured_nir,
                birth_date=line.birth_date,
                birth_rank=line.birth_rank,
                amc_number=line.amc_number,
                member_number=line.member_number,
            )
            for line in known
        ]
    strangers = list(
        generate_statements(
            france=world,
            seed=seed + 1000,
            beneficiaries=max(1, round(len(known) * (1 - KNOWN_SHARE) / KNOWN_SHARE)),
            today=today,
        )
    )
    codes = [f"34009{rng.randrange(10**8):08d}" for _ in range(500)]
    invoices: list[Invoice] = []
    for _ in range(MIX):
        if rng.random() < KNOWN_SHARE:
            index = rng.randrange(len(known))
            person, beneficiary_id = known[index], ids[index]
            assert beneficiary_id is not None
        else:
            person, beneficiary_id = rng.choice(strangers), None
        invoices.append(
            Invoice(
                card=card_of(person),
                lines=care_lines(rng, codes),
                known=beneficiary_id is not None,
                beneficiary_id=beneficiary_id,
                amc_number=person.amc_number,
            )
        )
    return Bench(
        platform,
        platform.settings,
        professional.actor,
        professional.token,
        pharmacy,
        invoices,
    )


# -- in process -------------------------------------------------------------------------


def submission_of(invoice: Invoice, number: str, today: date) -> InvoiceSubmission:
    c = invoice.card
    return InvoiceSubmission(
        invoice_number=number,
        date_of_care=today,
        lines=tuple(
            ClaimedLine(
                CareLine(
                    category=CareCategory(str(line["category"])),
                    code=str(line["code"]),
                    quantity=int(str(line["quantity"])),
                    unit_price_cents=int(str(line["unit_price_cents"])),
                    unit_br_cents=int(str(line["unit_br_cents"])),
                    amo_rate_bp=int(str(line["amo_rate_bp"])),
                    amo_cents=int(str(line["amo_cents"])),
                )
            )
            for line in invoice.lines
        ),
        card=CardData(
            str(c["insured_nir"]),
            str(c["birth_date"]),
            int(str(c["birth_rank"])),
            str(c["amc_number"]),
            str(c["member_number"]),
            str(c["agreement_type"]),
        ),
    )


def raw_rows(
    bench: Bench, invoice: Invoice, number: str, today: date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rows the intake would write for this invoice's row and lines, as the floor
    inserts them (amounts as a 100%-of-BR contract pays them)."""
    invoice_id, now = new_id(), bench.platform.clock.now()
    status = "accepted" if invoice.known else "rejected"
    lines: list[dict[str, Any]] = []
    for line_no, line in enumerate(invoice.lines, start=1):
        price = int(str(line["unit_price_cents"])) * int(str(line["quantity"]))
        amo = int(str(line["amo_cents"]))
        amc = price - amo if invoice.known else 0
        lines.append(
            {
                "id": new_id(),
                "invoice_id": invoice_id,
                "line_no": line_no,
                "structure_finess": bench.structure,
                "beneficiary_id": invoice.beneficiary_id,
                "amc_number": invoice.amc_number,
                "date_of_care": today,
                "invoice_number": number,
                "received_at": now,
                "category": line["category"],
                "code": line["code"],
                "quantity": line["quantity"],
                "price_cents": price,
                "amo_paid_cents": amo,
                "franchise_cents": 0,
                "amc_cents": amc,
                "patient_cents": price - amo - amc,
                "rule": "COV-PERCENT-BR" if invoice.known else None,
                "status": status,
                "reason": None if invoice.known else Reason.NO_MATCHING_RIGHTS.value,
                "near_duplicate": False,
                "payout_id": None,
                "advised_run_id": None,
            }
        )
    row = {
        "id": invoice_id,
        "structure_finess": bench.structure,
        "rpps": bench.actor.rpps,
        "invoice_number": number,
        "date_of_care": today,
        "beneficiary_id": invoice.beneficiary_id,
        "accreditation_id": None,
        "amc_number": invoice.amc_number,
        "received_at": now,
        "status": status,
        "reason": None if invoice.known else Reason.NO_MATCHING_RIGHTS.value,
        "amc_cents": sum(line["amc_cents"] for line in lines),
        "cancelled_at": None,
    }
    return row, lines


_runs = itertools.count(1)


def in_process(bench: Bench, count: int, today: date) -> dict[str, float]:
    """One run of `count` raw inserts, then `count` submitted invoices, of the same mix."""
    platform = bench.platform
    shield = FixedBudgetShield(UNTHROTTLED)
    run = next(_runs)
    mix = [bench.invoices[(run * count + i) % len(bench.invoices)] for i in range(count)]
    submissions = [submission_of(inv, f"P{run:03d}-{i:06d}", today) for i, inv in enumerate(mix)]
    raw = [raw_rows(bench, inv, f"R{run:03d}-{i:06d}", today) for i, inv in enumerate(mix)]
    invoices_t, lines_t = table_of(InvoiceRow), table_of(InvoiceLineRow)
    insert_invoice, insert_lines = insert(invoices_t), insert(lines_t)

    floor_ms: list[float] = []
    started = time.perf_counter()
    for row, lines in raw:
        t0 = time.perf_counter()
        with platform.uow() as uow:
            uow.session.execute(insert_invoice, row)
            uow.session.execute(insert_lines, lines)
            uow.commit()
        floor_ms.append((time.perf_counter() - t0) * 1000)
    floor_seconds = time.perf_counter() - started
    with platform.uow() as uow:  # the intake must not see the floor's rows
        ids = [row["id"] for row, _ in raw]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            uow.session.execute(delete(lines_t).where(lines_t.c.invoice_id.in_(chunk)))
            uow.session.execute(delete(invoices_t).where(invoices_t.c.id.in_(chunk)))
        uow.commit()

    submit_ms: list[float] = []
    accepted = 0
    context = RequestContext(request_id=None, address="192.0.2.10", user_agent="bench/1.0")
    started = time.perf_counter()
    with serving(context):
        for i, (invoice, submission) in enumerate(zip(mix, submissions, strict=True)):
            t0 = time.perf_counter()
            receipt = submit_invoice(
                uow=platform.uow(),
                actor=bench.actor,
                shield=shield,
                submission=submission,
                idempotency_key=f"bench-{run}-{i}",
            )
            submit_ms.append((time.perf_counter() - t0) * 1000)
            if invoice.known:
                assert receipt.status is InvoiceStatus.ACCEPTED, receipt
                accepted += 1
            else:
                assert receipt.status is InvoiceStatus.REJECTED, receipt
                assert receipt.reason is Reason.NO_MATCHING_RIGHTS, receipt
    submit_seconds = time.perf_counter() - started
    return {
        "inproc_floor_per_s": count / floor_seconds,
        "inproc_invoice_per_s": count / submit_seconds,
        "inproc_floor_p50_ms": percentile(floor_ms, 0.5),
        "inproc_floor_p99_ms": percentile(floor_ms, 0.99),
        "inproc_invoice_p50_ms": percentile(submit_ms, 0.5),
        "inproc_invoice_p99_ms": percentile(submit_ms, 0.99),
        "inproc_accepted_share": accepted / count,
    }


# -- over HTTP --------------------------------------------------------------------------


def over_http(
    bench: Bench, scratch: Path, today: date, clients: int, seconds: float, repeats: int
) -> dict[str, float]:
    """Invoices of the mix, each with its own number and key, against the bare route;
    every answer is compared with what was expected."""
    drives = itertools.count(1)

    def requests() -> Requests:
        drive = next(drives)

        def sent(number: int, i: int) -> tuple[dict[str, object], dict[str, str], bytes]:
            invoice = bench.invoices[(number * 7919 + i) % len(bench.invoices)]
            invoice_number = f"H{drive:03d}-{number:02d}-{i:06d}"
            expected = '"status":"accepted"' if invoice.known else '"status":"rejected","reason":'
            return (
                invoice.body(invoice_number, today),
                {"Idempotency-Key": f"bench-{invoice_number}"},
                f'"invoice_number":"{invoice_number}",{expected}'.encode(),
            )

        return sent

    return against_bare(
        bench.settings,
        scratch,
        name="invoice",
        path=INVOICES,
        requests=requests,
        headers={
            "Cookie": f"{COOKIE_NAME}={bench.token}",  # Secure cookie: httpx keeps it off http
            "X-CSRF-Token": csrf_token(bench.token),
        },
        clients=clients,
        seconds=seconds,
        repeats=repeats,
    )


# -- the run ----------------------------------------------------------------------------


def measure(backend: str, url: str, scratch: Path, args: argparse.Namespace) -> dict[str, float]:
    today = date.today()  # the server runs on the system clock: rights open today
    setup_started = time.perf_counter()
    bench = prepare(url, scratch / f"home-{backend}", args.beneficiaries, args.seed, today)
    print(
        f"{backend}: {args.beneficiaries:,} beneficiaries imported, {len(bench.invoices):,} "
        f"distinct invoices ({sum(i.known for i in bench.invoices):,} for known people, "
        f"{sum(not i.known for i in bench.invoices):,} for strangers, "
        f"{sum(len(i.lines) for i in bench.invoices) / len(bench.invoices):.2f} lines "
        f"each) in {time.perf_counter() - setup_started:.1f} s"
    )
    try:
        in_process(bench, min(100, args.invoices), today)  # warm-up
        runs: dict[str, list[float]] = {}
        for _ in range(args.repeats):
            for key, value in in_process(bench, args.invoices, today).items():
                runs.setdefault(key, []).append(value)
        figures = {name: median(values) for name, values in runs.items()}
    finally:
        bench.platform.close()  # the server process opens its own
    figures.update(over_http(bench, scratch, today, args.clients, args.duration, args.repeats))
    return figures


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--beneficiaries", type=int, default=None)
    parser.add_argument("--invoices", type=int, default=None, help="in-process invoices a run")
    add_http_arguments(parser)
    args = parser.parse_args()
    args.beneficiaries = args.beneficiaries or (5_000 if args.quick else 20_000)
    args.invoices = args.invoices or (300 if args.quick else 1_000)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.repeats = args.repeats or (1 if args.quick else 3)
    print(
        "shield: FixedBudgetShield with a budget of "
        f"{UNTHROTTLED.actor.per_minute:,}/min per actor and per structure, large enough never to "
        "throttle this run"
    )

    figures: dict[str, float] = {}
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for backend, url in databases(scratch, "invoices", args.postgres):
            m = measure(backend, url, scratch, args)
            figures.update({f"{backend}_{k}": v for k, v in m.items()})
            inproc = m["inproc_invoice_per_s"] / m["inproc_floor_per_s"]
            http = m["http_invoice_per_s"] / m["http_bare_per_s"]
            ratios[f"{backend}_inproc_invoice_vs_raw_insert"] = inproc
            ratios[f"{backend}_http_invoice_vs_bare"] = http
            print(
                f"{backend} in process: {m['inproc_invoice_per_s']:,.0f} invoices/s (p50 "
                f"{m['inproc_invoice_p50_ms']:.2f} ms, p99 {m['inproc_invoice_p99_ms']:.2f} "
                f"ms, {m['inproc_accepted_share']:.0%} accepted), raw insert floor "
                f"{m['inproc_floor_per_s']:,.0f}/s (p50 {m['inproc_floor_p50_ms']:.2f} ms, "
                f"p99 {m['inproc_floor_p99_ms']:.2f} ms), ratio {inproc:.2f}"
            )
            print(
                summary(
                    backend, m, "invoice", "invoices", clients=args.clients, seconds=args.duration
                )
            )
            print(
                f"  (median of {args.repeats}, {args.beneficiaries:,} beneficiaries, "
                f"{args.invoices:,} in-process invoices a run)"
            )

    targets = {
        "sqlite_inproc_invoice_vs_raw_insert": 0.25,
        "sqlite_http_invoice_vs_bare": 0.25,
        "sqlite_http_invoice_per_s": 100,
    }
    met = (
        ratios["sqlite_inproc_invoice_vs_raw_insert"]
        >= targets["sqlite_inproc_invoice_vs_raw_insert"]
        and ratios["sqlite_http_invoice_vs_bare"] >= targets["sqlite_http_invoice_vs_bare"]
        and figures["sqlite_http_invoice_per_s"] >= targets["sqlite_http_invoice_per_s"]
        and figures["sqlite_http_invoice_errors"] == 0
        and figures["sqlite_http_bare_errors"] == 0
    )
    report("invoices", figures, ratios, targets, met)


if __name__ == "__main__":
    main()
