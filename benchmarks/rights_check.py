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
  the bare blind-index lookup of the same cards.
- Over HTTP: the real app under uvicorn in a separate process (one worker, as `rempart
  serve` runs it, REMPART_ENV=development so that plain http on localhost is fine),
  driven by --clients threads with keep-alive httpx clients for --duration seconds.
  `POST /api/v1/rights/checks` is measured against `POST /bench/bare` on the same server:
  a route this benchmark adds to its own app object (never to the product), a plain `def`
  returning a constant like the check route's `def`, so the floor pays the same HTTP
  parsing, middlewares (request id, security headers), routing, thread-pool hop, JSON
  response and client cost — everything but authentication, validation and the check.
  /healthz reads the database; /static goes through StaticFiles' async file path: both
  would measure something else.

The app's shield (a FixedBudgetShield, 60 checks a minute per actor) would refuse almost
all of these checks: both runs use a FixedBudgetShield with a budget far above what they
can reach, so the shield's bookkeeping is paid and nothing is throttled.

Rates are medians over --repeats runs; latencies are the medians of each run's p50/p99.

    python benchmarks/rights_check.py [--quick] [--beneficiaries N] [--postgres URL]

Targets (SQLite, 2 cores): in-process ratio >= 0.3; over HTTP a ratio >= 0.4 and at least
1,000 checks/s. PostgreSQL is reported when --postgres (or REMPART_TEST_DATABASE_URL) is
given. The load generator shares the machine with the server: on 2 cores its CPU is part
of what both HTTP figures pay.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median, report
from import_rights import drop_postgres, fresh_postgres
from rempart.audit.context import RequestContext, serving
from rempart.bootstrap import Platform, open_platform
from rempart.identity.actors import actor_for_session
from rempart.identity.domain import AccountStatus
from rempart.identity.models import AccountRow, AccountStructureRow
from rempart.identity.permissions import Actor, Role
from rempart.identity.sealing import seal_login
from rempart.identity.sessions import COOKIE_NAME, Factor, SessionPolicy, csrf_token, open_session
from rempart.kernel.ids import new_id
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement, RightsStatus, StructureKind
from rempart.registry.generator import generate_france, generate_statements
from rempart.registry.repository import RegistryRepository
from rempart.registry.rights_file import write_csv
from rempart.rights.eligibility import CheckStatus
from rempart.rights.requests import RightsCheckRequest
from rempart.rights.service import check_rights
from rempart.settings import Environment, Settings
from rempart.shield.port import FixedBudgetShield
from rempart.shield.quotas import Limits, QuotaPolicy
from rempart.vault.keyring import KeyRing, LocalFileKeySource

# Far above anything a run reaches (a few thousand checks a second for a minute at most).
UNTHROTTLED = QuotaPolicy.everywhere(Limits(1_000_000_000, 1_000_000_000, 1_000_000_000))
CATEGORIES = ("pharmacy_65", "optical_free_price")
KNOWN_SHARE = 0.9
CARD_POOL = 2000  # distinct known people cycled through
CHECKS = "/api/v1/rights/checks"
BARE = "/bench/bare"


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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def open_on(line: BeneficiaryStatement, day: date) -> bool:
    return any(p.covers(day) and p.status is RightsStatus.OPEN for p in line.rights)


def body_of(line: BeneficiaryStatement, day: date) -> dict[str, object]:
    return {
        "insured_nir": line.insured_nir,
        "birth_date": line.birth_date,
        "birth_rank": line.birth_rank,
        "amc_number": line.amc_number,
        "member_number": line.member_number,
        "agreement_type": line.agreement_type,
        "date_of_care": day.isoformat(),
        "categories": list(CATEGORIES),
    }


def prepare(url: str, home: Path, beneficiaries: int, seed: int, today: date) -> Bench:
    """Keys, schema, reference data, the rights file through the real importer, a
    professional of one pharmacy with a session, and the mix of cards to check."""
    LocalFileKeySource(home / "keys.json", require_private=True).save(KeyRing.generate())
    settings = Settings(env=Environment.DEVELOPMENT, home=home, database_url=url)
    platform = open_platform(settings, migrate=True)
    world = generate_france(seed=seed, beneficiaries=beneficiaries, today=today)
    registry.register_reference_data(
        uow=platform.uow(),
        insurers=world.insurers,
        structures=world.structures,
        professionals=world.professionals,
    )
    lines = list(
        generate_statements(france=world, seed=seed, beneficiaries=beneficiaries, today=today)
    )
    rights_csv = home / "rights.csv"
    with rights_csv.open("w", encoding="utf-8", newline="") as handle:
        write_csv(lines, handle)
    outcome = registry.import_rights_file(uow=platform.uow(), path=rights_csv, as_of=today)
    assert outcome.rejected == 0, outcome

    pharmacy = next(s.finess for s in world.structures if s.kind is StructureKind.PHARMACY)
    rpps = next((p.rpps for p in world.professionals if pharmacy in p.structures), None)
    account_id = new_id()
    with platform.uow() as uow:
        now = uow.clock.now()
        uow.session.add(
            AccountRow(
                id=account_id,
                role=Role.PROFESSIONAL,
                status=AccountStatus.ACTIVE,
                is_new=False,
                rpps=rpps,
                amc_number=None,
                beneficiary_id=None,
                requested_by=None,
                approved_by=None,
                created_at=now,
                approved_at=now,
                **seal_login(uow.vault, "pharmacien@bench.example", account_id),
            )
        )
        uow.session.flush()
        uow.session.add(AccountStructureRow(account_id=account_id, finess=pharmacy))
        uow.commit()
    token = open_session(
        uow=platform.uow(), account_id=account_id, factor=Factor.PASSKEY, policy=SessionPolicy()
    )
    actor = actor_for_session(uow=platform.uow(), token=token, policy=SessionPolicy())
    assert actor is not None

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
    return Bench(platform, settings, actor, token, cards)


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


def in_process(bench: Bench, count: int) -> dict[str, float]:
    """One run of `count` bare lookups, then `count` checks, over the same cards."""
    platform = bench.platform
    shield = FixedBudgetShield(UNTHROTTLED)
    cards = [bench.cards[i % len(bench.cards)] for i in range(count)]
    requests = [request_of(card) for card in cards]
    tuples = [
        {
            "insured_nir": str(c.body["insured_nir"]),
            "birth_date": str(c.body["birth_date"]),
            "birth_rank": int(str(c.body["birth_rank"])),
            "amc_number": str(c.body["amc_number"]),
            "member_number": str(c.body["member_number"]),
        }
        for c in cards
    ]

    lookup_ms: list[float] = []
    started = time.perf_counter()
    for card, key in zip(cards, tuples, strict=True):
        t0 = time.perf_counter()
        with platform.uow() as uow:
            found = RegistryRepository(uow.session, uow.vault).find_beneficiary_id(**key)
        lookup_ms.append((time.perf_counter() - t0) * 1000)
        assert (found is not None) is card.known
    lookup_seconds = time.perf_counter() - started

    check_ms: list[float] = []
    context = RequestContext(request_id=None, address="192.0.2.10", user_agent="bench/1.0")
    started = time.perf_counter()
    with serving(context):
        for card, request in zip(cards, requests, strict=True):
            t0 = time.perf_counter()
            answer = check_rights(
                uow=platform.uow(), actor=bench.actor, shield=shield, request=request
            )
            check_ms.append((time.perf_counter() - t0) * 1000)
            expected = CheckStatus.OPEN if card.known else CheckStatus.NO_MATCHING_RIGHTS
            assert answer.status is expected, (answer.status, card.known)
    check_seconds = time.perf_counter() - started
    return {
        "inproc_lookup_per_s": count / lookup_seconds,
        "inproc_check_per_s": count / check_seconds,
        "inproc_lookup_p50_ms": percentile(lookup_ms, 0.5),
        "inproc_lookup_p99_ms": percentile(lookup_ms, 0.99),
        "inproc_check_p50_ms": percentile(check_ms, 0.5),
        "inproc_check_p99_ms": percentile(check_ms, 0.99),
    }


# -- over HTTP --------------------------------------------------------------------------


def serve(port: int) -> None:
    """The server process: the real app from REMPART_* settings, the unthrottled shield
    and the bare floor route on this app object only, one uvicorn worker."""
    import uvicorn

    from rempart.app import create_app

    settings = Settings()
    app = create_app(settings)
    app.state.shield = FixedBudgetShield(UNTHROTTLED)

    def bare() -> dict[str, bool]:
        return {"ok": True}

    app.add_api_route(BARE, bare, methods=["POST"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(self, bench: Bench, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **os.environ,
            "REMPART_ENV": "development",
            "REMPART_HOME": str(bench.settings.home),
            "REMPART_DATABASE_URL": str(bench.settings.database_url),
        }
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--serve-on", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.post(self.base + BARE, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def cpu_seconds(self) -> float:
        """CPU the server process has used so far (Linux; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def drive(
    server: Server, bench: Bench, path: str, clients: int, seconds: float
) -> dict[str, float]:
    """`clients` threads, each with its own keep-alive connection, posting the mix of
    cards for `seconds`; every answer's status is checked."""
    headers = {
        "Cookie": f"{COOKIE_NAME}={bench.token}",  # Secure cookie: httpx keeps it off http
        "X-CSRF-Token": csrf_token(bench.token),
    }
    expect_open, expect_none = b'"status":"open"', b'"status":"no_matching_rights"'
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    ends = [0.0] * clients
    barrier = threading.Barrier(clients + 1)
    start = [0.0]
    cpu_before = server.cpu_seconds()

    def client(number: int) -> None:
        cards = bench.cards[number::clients] or bench.cards
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as http:
            barrier.wait()
            deadline = start[0] + seconds
            mine, i = latencies[number], 0
            while True:
                card = cards[i % len(cards)]
                i += 1
                t0 = time.perf_counter()
                answer = http.post(path, json=card.body)
                t1 = time.perf_counter()
                ok = answer.status_code == 200 and (
                    path == BARE or (expect_open if card.known else expect_none) in answer.content
                )
                if ok:
                    mine.append((t1 - t0) * 1000)
                else:
                    errors[number] += 1
                if t1 >= deadline:
                    ends[number] = t1
                    return

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start[0] = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    cpu = server.cpu_seconds() - cpu_before
    done = [ms for mine in latencies for ms in mine]
    elapsed = max(ends) - start[0]
    return {
        "per_s": len(done) / elapsed,
        "server_cpu_ms": cpu * 1000 / max(1, len(done) + sum(errors)),
        "p50_ms": percentile(done, 0.5) if done else float("nan"),
        "p99_ms": percentile(done, 0.99) if done else float("nan"),
        "errors": float(sum(errors)),
    }


def over_http(
    bench: Bench, scratch: Path, clients: int, seconds: float, repeats: int
) -> dict[str, float]:
    runs: dict[str, list[float]] = {}
    server = Server(bench, scratch / f"server-{time.monotonic_ns()}.log")
    try:
        drive(server, bench, BARE, clients, 1.0)  # warm-up: connections, imports, caches
        drive(server, bench, CHECKS, clients, 1.0)
        for _ in range(repeats):
            for name, path in (("bare", BARE), ("check", CHECKS)):
                for key, value in drive(server, bench, path, clients, seconds).items():
                    runs.setdefault(f"http_{name}_{key}", []).append(value)
    finally:
        server.stop()
    return {
        name: (sum(values) if name.endswith("errors") else median(values))
        for name, values in runs.items()
    }


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
    figures.update(over_http(bench, scratch, args.clients, args.duration, args.repeats))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run, under a minute")
    parser.add_argument("--beneficiaries", type=int, default=None)
    parser.add_argument("--checks", type=int, default=None, help="in-process checks a run")
    parser.add_argument("--duration", type=float, default=None, help="seconds an HTTP run")
    parser.add_argument("--clients", type=int, default=8, help="HTTP client threads")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--postgres", default=os.environ.get("REMPART_TEST_DATABASE_URL"))
    parser.add_argument("--serve-on", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_on is not None:
        serve(args.serve_on)
        return
    args.beneficiaries = args.beneficiaries or (5_000 if args.quick else 20_000)
    args.checks = args.checks or (600 if args.quick else 2_000)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
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
        backends: list[tuple[str, Callable[[], tuple[str, Callable[[], None]]]]] = [
            ("sqlite", lambda: (f"sqlite:///{scratch / 'rights.sqlite3'}", lambda: None))
        ]
        if args.postgres:
            server = args.postgres

            def pg_url() -> tuple[str, Callable[[], None]]:
                url, name = fresh_postgres(server)
                return url, lambda: drop_postgres(server, name)

            backends.append(("postgres", pg_url))
        for backend, url_for in backends:
            url, cleanup = url_for()
            try:
                measured = measure(backend, url, scratch, args)
            finally:
                cleanup()
            figures.update({f"{backend}_{k}": v for k, v in measured.items()})
            inproc = measured["inproc_check_per_s"] / measured["inproc_lookup_per_s"]
            http = measured["http_check_per_s"] / measured["http_bare_per_s"]
            ratios[f"{backend}_inproc_check_vs_lookup"] = inproc
            ratios[f"{backend}_http_check_vs_bare"] = http
            m = measured
            print(
                f"{backend} in process: {m['inproc_check_per_s']:,.0f} checks/s "
                f"(p50 {m['inproc_check_p50_ms']:.2f} ms, p99 {m['inproc_check_p99_ms']:.2f} "
                f"ms), blind-index lookup floor {m['inproc_lookup_per_s']:,.0f}/s (p50 "
                f"{m['inproc_lookup_p50_ms']:.2f} ms, p99 {m['inproc_lookup_p99_ms']:.2f} ms), "
                f"ratio {inproc:.2f}"
            )
            print(
                f"{backend} over HTTP ({args.clients} clients, {args.duration:g} s a run): "
                f"{m['http_check_per_s']:,.0f} checks/s (p50 {m['http_check_p50_ms']:.1f} ms, "
                f"p99 {m['http_check_p99_ms']:.1f} ms), bare endpoint floor "
                f"{m['http_bare_per_s']:,.0f}/s (p50 {m['http_bare_p50_ms']:.1f} ms, p99 "
                f"{m['http_bare_p99_ms']:.1f} ms), ratio {http:.2f}; server CPU a request "
                f"{m['http_check_server_cpu_ms']:.2f} ms (check) and "
                f"{m['http_bare_server_cpu_ms']:.2f} ms (bare); failed answers "
                f"{m['http_check_errors'] + m['http_bare_errors']:.0f}"
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
    )
    report("rights_check", figures, ratios, targets, met)


if __name__ == "__main__":
    main()
