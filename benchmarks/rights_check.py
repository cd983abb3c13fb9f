"""Rights checks (IDB) per second, in process and over HTTP, each against a floor measured
in the same run.

Setup: a temporary REMPART_HOME with a fresh key ring, a synthetic France of N
beneficiaries imported through the real importer, and a professional of one pharmacy
with an open browser session. Checks are a fixed, shuffled mix: 90% known people whose
rights are open on the day of care, 10% strangers (statements of another seed, never
imported); every answer's status is compared with what was expected.

- In process: `check_rights` (shield, validation, blind-index lookup, rights and
  guarantees read, accreditation written, audit record, commit), one unit of work per
  check, against the floor `RegistryRepository.find_beneficiary_id` in a unit of work —
  the bare blind-index lookup of the same cards, as every caller of the repository makes
  it (SQLAlchemy's execution of an expanding IN). The check reads the same index, the
  rights and the guarantees in one statement run on the driver (`db.bulk.read`), so a
  stricter floor is printed beside it, without a target: the same lookup run that way.
- Over HTTP: the real app under uvicorn in a separate process (one worker, as `rempart
  serve` runs it, REMPART_ENV=development so that plain http on localhost is fine),
  driven by --clients keep-alive connections (raw HTTP/1.1 from one event loop, about
  0.05 ms of CPU a request: benchmarks/_http.py) for --duration seconds.
  `POST /api/v1/rights/checks` is measured against `POST /bench/bare` on the same server:
  a route the benchmark adds to its own app object (never to the product), an `async def`
  returning a constant like the check route's `async def`, so the floor pays the same
  HTTP parsing, middlewares (request id, security headers), routing, JSON response and
  client cost, and nothing else: no authentication, validation, thread hop or check. The
  floor is the first route tried; the check's router is the first of the product's, so
  both pay about the least routing there is.
- Where a check's server CPU goes over HTTP (SQLite only, no target: on both backends
  --quick would not end within a minute): on the same server, in the same alternation
  and with the same requests as the check, three more routes of the benchmark's own app
  object (`_http.STAGES`), each an `async def` answering a constant, each adding one
  layer of the check route to the one before: its body model (`/bench/body`), its
  authenticated actor (`/bench/auth`), an empty unit of work run as the check runs its
  own (`/bench/uow`: `database_work`, connection, commit). A layer's share is its
  stage's server CPU a request less the previous stage's (HTTP and middlewares: the bare
  route's); the check's own, the check's less the last stage's. Medians of --repeats
  runs: one --quick run's shares move by up to a tenth of a ms on a shared machine.

The app's shield would refuse almost all of these checks (60 a minute per actor) and
contain the pharmacy (a thousand cards a second is what its detectors look for): the
measured runs use a FixedBudgetShield with a budget far above what they can reach, so
the quotas' bookkeeping is paid and nothing is throttled. Beside them, without a target,
the same checks are run with the app's own shield watching (`_world.watching_shield`:
containment standing, quotas, every detector and stored alerts, unthrottled, a ladder
that never climbs): what a production check pays for its shield.

Rates are medians over --repeats runs; latencies are the medians of each run's p50/p99.

    python benchmarks/rights_check.py [--quick] [--beneficiaries N] [--postgres URL]

Targets (SQLite, 2 cores): in-process ratio >= 0.3; over HTTP a ratio >= 0.4 and at least
1,000 checks/s. PostgreSQL is reported when --postgres (or REMPART_TEST_DATABASE_URL) is
given. The load generator shares the machine with the server: on 2 cores its CPU is part
of what both HTTP figures pay.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import Select, bindparam, select

from _common import arguments, median, report
from _http import STAGES, WATCHING, Requests, against_bare, percentile, summary
from _http import add_arguments as add_http_arguments
from _world import (
    UNTHROTTLED,
    card_of,
    databases,
    import_france,
    new_platform,
    open_on,
    professional_of,
    watching_shield,
)
from rempart.audit.context import RequestContext, serving
from rempart.bootstrap import Platform
from rempart.db.base import table_of
from rempart.db.bulk import read
from rempart.identity.permissions import Actor
from rempart.identity.sessions import COOKIE_NAME, csrf_token
from rempart.registry.domain import BeneficiaryStatement, StructureKind
from rempart.registry.generator import generate_statements
from rempart.registry.models import BeneficiaryRow
from rempart.registry.repository import RegistryRepository
from rempart.registry.sealing import CARD, card_key
from rempart.rights.eligibility import CheckStatus
from rempart.rights.requests import RightsCheckRequest
from rempart.rights.service import check_rights
from rempart.settings import Settings
from rempart.shield.port import FixedBudgetShield, Shield

CATEGORIES = ("pharmacy_65", "optical_free_price")
KNOWN_SHARE = 0.9
CARD_POOL = 2000  # distinct known people cycled through
CHECKS = "/api/v1/rights/checks"


@dataclass(frozen=True)
class Card:
    body: dict[str, object]  # the JSON a pharmacy's software sends
    known: bool


@dataclass
class Bench:
    platform: Platform
    settings: Settings
    actor: Actor
    token: str
    cards: list[Card]


def body_of(line: BeneficiaryStatement, day: date) -> dict[str, object]:
    return {**card_of(line), "date_of_care": day.isoformat(), "categories": list(CATEGORIES)}


def prepare(url: str, home: Path, beneficiaries: int, seed: int, today: date) -> Bench:
    """Keys, schema, reference data, the rights file through the real importer, a
    professional of one pharmacy with a session, and the mix of cards to check."""
    platform = new_platform(url, home)
    world, lines = import_france(platform, beneficiaries=beneficiaries, seed=seed, today=today)
    pharmacy = next(s.finess for s in world.structures if s.kind is StructureKind.PHARMACY)
    rpps = next((p.rpps for p in world.professionals if pharmacy in p.structures), None)
    professional = professional_of(platform, pharmacy, rpps)

    rng = random.Random(f"rights-check-bench:{seed}")
    known = [line for line in lines if open_on(line, today)]
    known = rng.sample(known, min(CARD_POOL, len(known)))
    strangers_wanted = max(1, round(len(known) * (1 - KNOWN_SHARE) / KNOWN_SHARE))
    strangers = list(
        generate_statements(
            france=world, seed=seed + 1000, beneficiaries=strangers_wanted, today=today
        )
    )
    cards = [Card(body_of(line, today), True) for line in known]
    cards += [Card(body_of(line, today), False) for line in strangers]
    rng.shuffle(cards)
    return Bench(platform, platform.settings, professional.actor, professional.token, cards)


# -- in process -------------------------------------------------------------------------


def request_of(card: Card) -> RightsCheckRequest:
    b = card.body
    return RightsCheckRequest(
        insured_nir=str(b["insured_nir"]),
        birth_date=str(b["birth_date"]),
        birth_rank=int(str(b["birth_rank"])),
        amc_number=str(b["amc_number"]),
        member_number=str(b["member_number"]),
        agreement_type=str(b["agreement_type"]),
        date_of_care=date.fromisoformat(str(b["date_of_care"])),
        categories=tuple(CATEGORIES),  # type: ignore[arg-type]
    )


@lru_cache(maxsize=8)
def _by_card(indexes: int) -> Select[tuple[uuid.UUID]]:
    """The bare lookup with one parameter per blind index (one per key version)."""
    card_index = table_of(BeneficiaryRow).c.card_index
    return select(table_of(BeneficiaryRow).c.id).where(
        card_index.in_([bindparam(f"i{n}", type_=card_index.type) for n in range(indexes)])
    )


def in_process(bench: Bench, count: int) -> dict[str, float]:
    """One run of `count` bare lookups (two ways), then `count` checks, over the same
    cards."""
    platform = bench.platform
    shield = FixedBudgetShield(UNTHROTTLED)
    cards = [bench.cards[i % len(bench.cards)] for i in range(count)]
    requests = [request_of(card) for card in cards]

    lookup_ms: list[float] = []
    started = time.perf_counter()
    for card, r in zip(cards, requests, strict=True):
        t0 = time.perf_counter()
        with platform.uow() as uow:
            found = RegistryRepository(uow.session, uow.vault).find_beneficiary_id(
                insured_nir=r.insured_nir,
                birth_date=r.birth_date,
                birth_rank=r.birth_rank,
                amc_number=r.amc_number,
                member_number=r.member_number,
            )
        lookup_ms.append((time.perf_counter() - t0) * 1000)
        assert (found is not None) is card.known
    lookup_seconds = time.perf_counter() - started

    # The stricter floor: the same lookup as one statement on the driver, as the check's.
    started = time.perf_counter()
    for card, r in zip(cards, requests, strict=True):
        with platform.uow() as uow:
            indexes = uow.vault.lookup_indexes(
                CARD,
                card_key(
                    insured_nir=r.insured_nir,
                    birth_date=r.birth_date,
                    birth_rank=r.birth_rank,
                    amc_number=r.amc_number,
                    member_number=r.member_number,
                ),
            )
            rows = read(
                uow.session.connection(),
                _by_card(len(indexes)),
                {f"i{n}": index for n, index in enumerate(indexes)},
            )
        assert bool(rows) is card.known
    driver_lookup_seconds = time.perf_counter() - started

    check_seconds, check_ms = timed_checks(bench, shield, cards, requests)
    watching = watching_shield(platform)
    try:
        watched_seconds, watched_ms = timed_checks(bench, watching, cards, requests)
    finally:
        watching.close()
    return {
        "inproc_lookup_per_s": count / lookup_seconds,
        "inproc_driver_lookup_per_s": count / driver_lookup_seconds,
        "inproc_check_per_s": count / check_seconds,
        "inproc_watched_per_s": count / watched_seconds,
        "inproc_lookup_p50_ms": percentile(lookup_ms, 0.5),
        "inproc_lookup_p99_ms": percentile(lookup_ms, 0.99),
        "inproc_check_p50_ms": percentile(check_ms, 0.5),
        "inproc_check_p99_ms": percentile(check_ms, 0.99),
        "inproc_watched_p50_ms": percentile(watched_ms, 0.5),
        "inproc_watched_p99_ms": percentile(watched_ms, 0.99),
    }


def timed_checks(
    bench: Bench, shield: Shield, cards: list[Card], requests: list[RightsCheckRequest]
) -> tuple[float, list[float]]:
    """The checks one after another, each answer compared with what was expected: the
    run's seconds and each check's milliseconds."""
    check_ms: list[float] = []
    context = RequestContext(request_id=None, address="192.0.2.10", user_agent="bench/1.0")
    started = time.perf_counter()
    with serving(context):
        for card, request in zip(cards, requests, strict=True):
            t0 = time.perf_counter()
            answer = check_rights(
                uow=bench.platform.uow(), actor=bench.actor, shield=shield, request=request
            )
            check_ms.append((time.perf_counter() - t0) * 1000)
            expected = CheckStatus.OPEN if card.known else CheckStatus.NO_MATCHING_RIGHTS
            assert answer.status is expected, (answer.status, card.known)
    return time.perf_counter() - started, check_ms


# -- over HTTP --------------------------------------------------------------------------


def over_http(
    bench: Bench, scratch: Path, clients: int, seconds: float, repeats: int, *, stages: bool
) -> dict[str, float]:
    """Checks of the mix of cards against the bare route; every answer's status is
    compared with what was expected. With `stages`, the routes of _http.STAGES too, on
    the same server with the same requests (only their status checked)."""
    expect_open, expect_none = b'"status":"open"', b'"status":"no_matching_rights"'
    mine = [bench.cards[n::clients] or bench.cards for n in range(clients)]

    def requests() -> Requests:
        def sent(number: int, i: int) -> tuple[dict[str, object], dict[str, str], bytes]:
            card = mine[number][i % len(mine[number])]
            return card.body, {}, expect_open if card.known else expect_none

        return sent

    headers = {
        "Cookie": f"{COOKIE_NAME}={bench.token}",
        "X-CSRF-Token": csrf_token(bench.token),
    }
    figures: dict[str, float] = {}
    # The targets' shield against the bare floor, then the app's own shield watching.
    for name, shield, floor in (("check", "", True), ("watched", WATCHING, False)):
        measured = against_bare(
            bench.settings,
            scratch,
            name=name,
            path=CHECKS,
            requests=requests,
            headers=headers,
            clients=clients,
            seconds=seconds,
            repeats=repeats,
            shield=shield,
            floor=floor,
            also=STAGES if stages and name == "check" else (),
        )
        # Of each stage, what the breakdown needs: its rate, CPU and failed answers.
        figures |= {
            key: value
            for key, value in measured.items()
            if not key.startswith("http_stage_") or not key.endswith(("_p50_ms", "_p99_ms"))
        }
    return figures


def breakdown(backend: str, m: dict[str, float]) -> str:
    """Where a check's server CPU goes, from the stages' figures: each layer's share is
    its stage's CPU less the one before."""
    cpu = [m[f"http_{name}_server_cpu_ms"] for name in ("bare", *(n for n, _ in STAGES), "check")]
    layers = ("body validation", "authentication", "unit of work", "the check itself")
    shares = ", ".join(
        f"{layer} {after - before:+.2f}"
        for layer, before, after in zip(layers, cpu[:-1], cpu[1:], strict=True)
    )
    failed = sum(m[f"http_{name}_errors"] for name, _ in STAGES)
    return (
        f"{backend}: where a check's server CPU goes (no target): HTTP and middlewares "
        f"{cpu[0]:.2f} ms, {shares} (total {cpu[-1]:.2f}); failed answers {failed:.0f}"
    )


# -- the run ----------------------------------------------------------------------------


def measure(
    backend: str,
    url: str,
    scratch: Path,
    args: argparse.Namespace,
) -> dict[str, float]:
    today = date.today()  # the server runs on the system clock: rights open today
    setup_started = time.perf_counter()
    bench = prepare(url, scratch / f"home-{backend}", args.beneficiaries, args.seed, today)
    print(
        f"{backend}: {args.beneficiaries:,} beneficiaries imported, {len(bench.cards):,} "
        f"distinct cards ({sum(c.known for c in bench.cards):,} known and open, "
        f"{sum(not c.known for c in bench.cards):,} strangers) in "
        f"{time.perf_counter() - setup_started:.1f} s"
    )
    try:
        in_process(bench, min(100, args.checks))  # warm-up
        runs: dict[str, list[float]] = {}
        for _ in range(args.repeats):
            for key, value in in_process(bench, args.checks).items():
                runs.setdefault(key, []).append(value)
        figures = {name: median(values) for name, values in runs.items()}
    finally:
        bench.platform.close()  # the server process opens its own
    # The breakdown on SQLite only: on both backends --quick would not end within a minute.
    figures.update(
        over_http(
            bench, scratch, args.clients, args.duration, args.repeats, stages=backend == "sqlite"
        )
    )
    return figures


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--beneficiaries", type=int, default=None)
    parser.add_argument("--checks", type=int, default=None, help="in-process checks a run")
    add_http_arguments(parser)
    args = parser.parse_args()
    args.beneficiaries = args.beneficiaries or (5_000 if args.quick else 20_000)
    args.checks = args.checks or (600 if args.quick else 2_000)
    args.duration = args.duration or (2.0 if args.quick else 10.0)
    args.repeats = args.repeats or (1 if args.quick else 3)
    print(
        "shield: FixedBudgetShield with a budget of "
        f"{UNTHROTTLED.actor.per_minute:,}/min per actor and per structure, large enough never to "
        "throttle this run (the app's default budget would refuse all but 60 checks a minute)"
    )

    figures: dict[str, float] = {}
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for backend, url in databases(scratch, "rights", args.postgres):
            measured = measure(backend, url, scratch, args)
            figures.update({f"{backend}_{k}": v for k, v in measured.items()})
            inproc = measured["inproc_check_per_s"] / measured["inproc_lookup_per_s"]
            http = measured["http_check_per_s"] / measured["http_bare_per_s"]
            stricter = measured["inproc_check_per_s"] / measured["inproc_driver_lookup_per_s"]
            ratios[f"{backend}_inproc_check_vs_lookup"] = inproc
            ratios[f"{backend}_inproc_check_vs_driver_lookup"] = stricter
            ratios[f"{backend}_http_check_vs_bare"] = http
            m = measured
            print(
                f"{backend} in process: {m['inproc_check_per_s']:,.0f} checks/s "
                f"(p50 {m['inproc_check_p50_ms']:.2f} ms, p99 {m['inproc_check_p99_ms']:.2f} "
                f"ms), blind-index lookup floor {m['inproc_lookup_per_s']:,.0f}/s (p50 "
                f"{m['inproc_lookup_p50_ms']:.2f} ms, p99 {m['inproc_lookup_p99_ms']:.2f} ms), "
                f"ratio {inproc:.2f}; against the same lookup on the driver "
                f"{m['inproc_driver_lookup_per_s']:,.0f}/s, ratio {stricter:.2f} (no target)"
            )
            print(
                summary(backend, m, "check", "checks", clients=args.clients, seconds=args.duration)
            )
            if f"http_{STAGES[0][0]}_server_cpu_ms" in m:
                print(breakdown(backend, m))
            print(
                f"{backend} with the app's own shield watching (every detector, never "
                f"climbing; no target): in process {m['inproc_watched_per_s']:,.0f} checks/s "
                f"(p50 {m['inproc_watched_p50_ms']:.2f} ms, p99 {m['inproc_watched_p99_ms']:.2f} "
                f"ms), over HTTP {m['http_watched_per_s']:,.0f} checks/s (p50 "
                f"{m['http_watched_p50_ms']:.1f} ms, p99 {m['http_watched_p99_ms']:.1f} ms, "
                f"server CPU {m['http_watched_server_cpu_ms']:.2f} ms a check)"
            )
            print(
                f"  (median of {args.repeats}, {args.beneficiaries:,} beneficiaries, "
                f"{args.checks:,} in-process checks a run)"
            )

    targets = {
        "sqlite_inproc_check_vs_lookup": 0.3,
        "sqlite_http_check_vs_bare": 0.4,
        "sqlite_http_check_per_s": 1000,
    }
    met = (
        ratios["sqlite_inproc_check_vs_lookup"] >= targets["sqlite_inproc_check_vs_lookup"]
        and ratios["sqlite_http_check_vs_bare"] >= targets["sqlite_http_check_vs_bare"]
        and figures["sqlite_http_check_per_s"] >= targets["sqlite_http_check_per_s"]
        and figures["sqlite_http_check_errors"] == 0
        and figures["sqlite_http_bare_errors"] == 0
        and figures["sqlite_http_watched_errors"] == 0
    )
    report("rights_check", figures, ratios, targets, met)


if __name__ == "__main__":
    main()
