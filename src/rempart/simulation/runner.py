"""One seed of the range: a world, its days of legitimate work (measured), then each
attack scenario on a fork of the world taken at the attack day's midnight, with the
legitimate work of the structures it concerns going on around it."""

from __future__ import annotations

import math
import random
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from rempart.simulation.analysts import Triage
from rempart.simulation.attacks import (
    Attacker,
    IbanTakeover,
    RogueAdmin,
    Scraper,
    distributed,
    enumeration,
    replay_2024,
    slow_scraper,
)
from rempart.simulation.measure import (
    Containment,
    Ledger,
    LegitFigures,
    alerts,
    containments,
)
from rempart.simulation.parameters import Parameters
from rempart.simulation.software import (
    Installation,
    KeyThief,
    clients_of,
    equip,
    install_software,
    software_figures,
    stolen_client_key,
)
from rempart.simulation.timeline import Timeline
from rempart.simulation.workload import Workload
from rempart.simulation.world import Site, World, build_world

SCENARIOS = (
    "replay-2024",
    "slow-scraper",
    "distributed",
    "enumeration",
    "rogue-admin",
    "iban-takeover",
    "stolen-client-key",
)
# The scenarios whose attackers read through a compromised account, each contained by a
# suspension or a brake (the tests hold every one of them to it).
LOOKUP_SCENARIOS = frozenset({"replay-2024", "slow-scraper", "distributed", "enumeration"})
# Every scenario that reads: the stolen client key too, which the step-up rung stops
# without a suspension (docs/security/attack-range.md, "A stolen client key").
READING_SCENARIOS = LOOKUP_SCENARIOS | {"stolen-client-key"}
CLOSED = ("suspend", "brake")


@dataclass(frozen=True)
class ScenarioFigures:
    scenario: str
    seed: int
    attackers: int
    lookups: int  # lookups answered to the attackers
    records: int  # of which about someone: rights open or closed
    open_records: int  # of which with guarantees (rights open)
    identity_fields: int  # identity fields those answers carried
    refusals: int  # the attackers' requests refused (429, step-up)
    contained: bool  # every attacker met a closed door (suspension or brake)
    contained_by: str | None  # the subject, rung and detector that closed it (the last one)
    lookups_to_containment: int | None  # answered lookups until then (all attackers)
    minutes_to_containment: float | None  # from the attack's start
    first_rung_lookups: int | None  # answered lookups up to the first rung (throttle)
    actions: int  # other actions that went through (account requests, IBAN changes)
    alerts: int  # alerts raised from the attack's start
    alert_codes: dict[str, int]
    collateral_days: int  # colleagues' professional-days disrupted meanwhile
    colleague_days: int  # colleagues' professional-days simulated meanwhile
    normal_day: int | None  # the compromised account's busy day (90th percentile)
    extra: dict[str, float] = field(default_factory=dict)


# Called with a lookup scenario's name, its world (still open) and its attackers once the
# scenario has run: what the tests use to look at the world an attack left behind.
Inspection = Callable[[str, World, Sequence[Attacker]], None]


@dataclass(frozen=True)
class SeedResult:
    seed: int
    legitimate: LegitFigures
    scenarios: tuple[ScenarioFigures, ...]
    elapsed_s: float
    phases_s: dict[str, float] = field(default_factory=dict)  # setup, legitimate, scenarios


def run(
    *,
    seeds: Sequence[int],
    params: Parameters,
    days: int,
    scenarios: Sequence[str],
    jobs: int = 1,
    on_seed: Callable[[SeedResult], None] = lambda _: None,
) -> list[SeedResult]:
    """Every seed (in `jobs` processes), in seed order."""
    results: list[SeedResult] = []
    if jobs <= 1 or len(seeds) == 1:
        for seed in seeds:
            result = run_seed(seed=seed, params=params, days=days, scenarios=scenarios)
            on_seed(result)
            results.append(result)
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(run_seed, seed=seed, params=params, days=days, scenarios=scenarios)
            for seed in seeds
        ]
        for future in futures:
            result = future.result()
            on_seed(result)
            results.append(result)
    return results


def run_seed(
    *,
    seed: int,
    params: Parameters,
    days: int,
    scenarios: Sequence[str],
    inspect: Inspection | None = None,
) -> SeedResult:
    started = time.perf_counter()
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenarios: {sorted(unknown)}")
    if days < 1:
        raise ValueError("the legitimate workload needs at least one day")
    if "stolen-client-key" in scenarios and params.software_pharmacies < 1:
        raise ValueError("stolen-client-key needs software_pharmacies of at least 1")
    home = Path(tempfile.mkdtemp(prefix=f"rempart-range-{seed}-"))
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 1)
        clock = now

    try:
        world = build_world(seed=seed, params=params, days=days, home=home)
        try:
            software = install_software(world, random.Random(f"rempart-range-software:{seed}"))
            lap("setup")
            ledger = Ledger(world.zone)
            legitimate = _legitimate(world, ledger, days, software)
            lap("legitimate")
            figures = []
            for name in scenarios:
                figures.append(_scenario(world, ledger, name, software, inspect))
                lap(name)
        finally:
            world.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return SeedResult(seed, legitimate, tuple(figures), time.perf_counter() - started, phases)


def _legitimate(
    world: World, ledger: Ledger, days: int, software: Sequence[Installation]
) -> LegitFigures:
    """The legitimate work alone: the `days` before the attack day on the world itself
    (the history every scenario starts from), then the attack day — a winter Monday, the
    busiest — on a fork of its own where no attacker comes."""
    timeline = Timeline(world.clock)
    rng = random.Random(f"rempart-range-workload:{world.seed}")
    history = Workload(world, timeline, ledger, rng, world.sites)
    equip(history, software)
    history.plan(world.local(world.start).date(), days)
    Triage(world, timeline, first=world.start, until=world.attack_start)
    timeline.run_until(world.attack_start)
    rows = containments(world.platform)
    raised = len(alerts(world.platform))
    clients = clients_of(software)
    contained = contained_days(world, rows, world.attack_start, clients)
    monday = world.fork("legitimate")
    try:
        end = monday.at_local(world.params.attack_day + timedelta(days=1), 0)
        timeline = Timeline(monday.clock)
        rng = random.Random(f"rempart-range-attack-day:{world.seed}")
        honest = Workload(monday, timeline, ledger, rng, monday.sites)
        equip(honest, software)
        honest.plan(world.params.attack_day, 1)
        Triage(monday, timeline, first=world.attack_start, until=end)
        timeline.run_until(end)
        more = containments(monday.platform, since=world.attack_start)
        raised += len(alerts(monday.platform, since=world.attack_start))
        contained |= contained_days(monday, more, end, clients)
    finally:
        monday.close(remove=True)
    return ledger.figures(contained=contained, containments=len(rows) + len(more), alerts=raised)


def contained_days(
    world: World,
    rows: Sequence[Containment],
    end: datetime,
    clients: Mapping[str, str] | None = None,
) -> set[tuple[uuid.UUID, date]]:
    """The professional-days on which the professional's account, their structure,
    the software they work through (`clients`: client id -> its structure) or the
    portal stood on a rung at some moment (until its lift, or `end`)."""
    clients = clients or {}
    found: set[tuple[uuid.UUID, date]] = set()
    for row in rows:
        concerned = [
            p.account_id
            for p in world.staff()
            if (row.subject_kind == "account" and row.subject_ref == str(p.account_id))
            or (row.subject_kind == "structure" and row.subject_ref == p.finess)
            or (row.subject_kind == "client" and clients.get(row.subject_ref) == p.finess)
            or row.subject_kind == "channel"
        ]
        day, last = world.local(row.created_at).date(), world.local(row.lifted_at or end).date()
        while day <= last:
            found.update((account_id, day) for account_id in concerned)
            day += timedelta(days=1)
    return found


def _busy_day(ledger: Ledger, account_id: uuid.UUID, before: date) -> int | None:
    """The account's busy day in the workload before `before`: the 90th percentile
    (nearest rank) of its active days, as the shield's own baseline takes it."""
    days = sorted(
        r.checks
        for (a, day), r in ledger.days.items()
        if a == account_id and r.checks and day < before
    )
    if not days:
        return None
    return days[max(0, math.ceil(0.9 * len(days)) - 1)]


def _scenario(
    base: World,
    warm: Ledger,
    name: str,
    software: Sequence[Installation],
    inspect: Inspection | None = None,
) -> ScenarioFigures:
    world = base.fork(name)
    try:
        p = world.params
        rng = random.Random(f"rempart-range-{name}:{world.seed}")
        timeline = Timeline(world.clock)
        start = world.at_local(p.attack_day, rng.uniform(*p.attack_start_hours))
        if name in READING_SCENARIOS:
            return _lookups(world, warm, timeline, rng, name, start, software, inspect)
        if name == "rogue-admin":
            admin = RogueAdmin(world, timeline, rng, start)
            timeline.run_until(admin.until)
            return _figures(
                world,
                name,
                start,
                [admin.stats],
                extra={
                    "accounts_requested": float(admin.stats.actions),
                    "accounts_activated": float(admin.activated),
                    "refused_throttled": float(admin.stats.refusals["throttled"]),
                    "refused_step_up": float(admin.stats.refusals["stepped_up"]),
                },
            )
        takeover = IbanTakeover(world, timeline, rng, start)
        timeline.run_until(takeover.until)
        return _figures(
            world,
            name,
            start,
            [takeover.stats],
            extra={
                "iban_changes": float(takeover.stats.actions),
                "cancelled": float(takeover.cancelled),
                "payment_runs_diverted": float(takeover.diverted),
                "payment_runs_held": float(takeover.held),
                "payment_runs_paid": float(takeover.paid),
            },
        )
    finally:
        world.close(remove=True)


def _lookups(
    world: World,
    warm: Ledger,
    timeline: Timeline,
    rng: random.Random,
    name: str,
    start: datetime,
    software: Sequence[Installation],
    inspect: Inspection | None,
) -> ScenarioFigures:
    p = world.params
    scrapers: list[Scraper]
    if name == "stolen-client-key":
        thief, _ = stolen_client_key(world, timeline, rng, start, software)
        scrapers, hours = [thief], p.replay_hours
    elif name == "replay-2024":
        scrapers, hours = [replay_2024(world, timeline, rng, start)], p.replay_hours
    elif name == "slow-scraper":
        scrapers, hours = [slow_scraper(world, timeline, rng, start)], p.slow_hours
    elif name == "distributed":
        scrapers, hours = distributed(world, timeline, rng, start), p.distributed_hours
    else:
        scrapers, hours = [enumeration(world, timeline, rng, start)], p.enumeration_hours
    # A stolen client key compromises the pharmacy's software, not its pharmacist's
    # account: that pharmacist's own work counts among the colleagues'.
    compromised = frozenset(s.account.account_id for s in scrapers if not isinstance(s, KeyThief))
    sites: tuple[Site, ...] = tuple(
        site for site in world.sites if any(s.account.finess == site.finess for s in scrapers)
    )
    horizon = start + timedelta(hours=hours)
    ledger = Ledger(world.zone)
    span = math.ceil((horizon - world.attack_start) / timedelta(days=1))
    workload_rng = random.Random(f"rempart-range-{name}-workload:{world.seed}")
    workload = Workload(world, timeline, ledger, workload_rng, sites)
    equipped = equip(workload, software)
    workload.plan(p.attack_day, span)
    keep = frozenset(str(a) for a in compromised)
    Triage(world, timeline, first=world.attack_start, until=horizon, keep=keep)
    end = _follow(timeline, scrapers, start, horizon, timedelta(hours=p.observe_after_hours))
    rows = containments(world.platform, since=world.attack_start)
    colleagues = ledger.figures(
        contained=contained_days(world, rows, end, clients_of(software)),
        containments=0,
        alerts=0,
        exclude=compromised,
    )
    if inspect is not None:
        inspect(name, world, [s.stats for s in scrapers])
    normal = (
        _busy_day(warm, scrapers[0].account.account_id, p.attack_day)
        if len(scrapers) == 1
        else None
    )
    extra = software_figures(start, scrapers, equipped)
    return _figures(
        world,
        name,
        start,
        [s.stats for s in scrapers],
        rows=rows,
        finess={s.stats.account_id: s.account.finess for s in scrapers},
        collateral=(colleagues.disrupted_days, colleagues.professional_days),
        normal_day=normal,
        extra=extra,
    )


def _follow(
    timeline: Timeline,
    scrapers: Sequence[Scraper],
    start: datetime,
    horizon: datetime,
    after: timedelta,
) -> datetime:
    """Run until the horizon, or until every attacker met a closed door and `after`
    more has passed (the colleagues' work and the analysts' lifts meanwhile); the end."""
    at = start
    while at < horizon:
        at = min(at + timedelta(minutes=10), horizon)
        timeline.run_until(at)
        stops = [s.stats.stopped_at for s in scrapers]
        if all(stop is not None for stop in stops):
            end = min(horizon, max(s for s in stops if s is not None) + after)
            timeline.run_until(end)
            return end
    return horizon


def _figures(
    world: World,
    name: str,
    start: datetime,
    attackers: list[Attacker],
    *,
    rows: Sequence[Containment] | None = None,
    finess: dict[uuid.UUID, str] | None = None,
    collateral: tuple[int, int] = (0, 0),
    normal_day: int | None = None,
    extra: dict[str, float] | None = None,
) -> ScenarioFigures:
    if rows is None:
        rows = containments(world.platform, since=world.attack_start)
    finess = finess or {}
    stops: list[tuple[datetime, Containment] | None] = []
    firsts: list[datetime] = []
    for attacker in attackers:
        closing = [
            row
            for row in rows
            if row.rung in CLOSED
            and (
                # A client's id stands where an account's would (`KeyThief`).
                (
                    row.subject_kind in ("account", "client")
                    and row.subject_ref == str(attacker.account_id)
                )
                or (
                    row.subject_kind == "structure"
                    and row.subject_ref == finess.get(attacker.account_id)
                )
                or row.subject_kind == "channel"
            )
        ]
        stop = min(closing, key=lambda r: r.escalated_at, default=None)
        stops.append((stop.escalated_at, stop) if stop else None)
        own = [
            r.created_at
            for r in rows
            if r.subject_kind in ("account", "client") and r.subject_ref == str(attacker.account_id)
        ]
        if own:
            firsts.append(min(own))
    contained = all(s is not None for s in stops)
    answered = [t for a in attackers for t in a.answered]
    lookups_to = minutes_to = None
    contained_by = None
    if contained:
        last_at, last_row = max((s for s in stops if s is not None), key=lambda s: s[0])
        lookups_to = sum(
            1
            for attacker, stop in zip(attackers, stops, strict=True)
            if stop is not None
            for t in attacker.answered
            if t <= stop[0]
        )
        minutes_to = (last_at - start).total_seconds() / 60
        contained_by = f"{last_row.subject_kind} {last_row.rung} ({last_row.detector or 'linked'})"
    first_rung = min(firsts) if firsts else None
    extra = dict(extra or {})
    if name not in READING_SCENARIOS:
        extra["actions_to_containment"] = float(
            sum(
                1
                for attacker, stop in zip(attackers, stops, strict=True)
                for t in attacker.answered
                if stop is None or t <= stop[0]
            )
        )
    codes = Counter(alerts(world.platform, since=start))
    lookup_scenario = name in READING_SCENARIOS
    return ScenarioFigures(
        scenario=name,
        seed=world.seed,
        attackers=len(attackers),
        lookups=len(answered) if lookup_scenario else 0,
        records=sum(a.records for a in attackers),
        open_records=sum(a.open_records for a in attackers),
        identity_fields=sum(a.identity_fields for a in attackers),
        refusals=sum(sum(a.refusals.values()) for a in attackers),
        contained=contained,
        contained_by=contained_by,
        lookups_to_containment=lookups_to if lookup_scenario else None,
        minutes_to_containment=minutes_to,
        first_rung_lookups=(
            sum(1 for t in answered if t <= first_rung)
            if first_rung is not None and lookup_scenario
            else None
        ),
        actions=sum(a.actions for a in attackers) if not lookup_scenario else 0,
        alerts=sum(codes.values()),
        alert_codes=dict(sorted(codes.items())),
        collateral_days=collateral[0],
        colleague_days=collateral[1],
        normal_day=normal_day,
        extra=extra,
    )
