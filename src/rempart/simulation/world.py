"""The platform one seed simulates: a temporary home with its own key ring and SQLite
file, a synthetic France imported through the real importer, honeytokens planted, the
accounts of the structures that work (requested by one platform administrator and
approved by another, as identity's use cases want), and the app's shield (`Sentinel`)
on an in-process feature store and quotas, under a clock the simulator moves.

A world can be forked: the database is copied with SQLite's online backup and the
shield's in-process state with it, so that every attack scenario starts from the same
weeks of legitimate history without replaying them."""

from __future__ import annotations

import copy
import random
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rempart.audit.context import RequestContext, serving
from rempart.bootstrap import Platform, open_platform
from rempart.identity.actors import actor_for_session
from rempart.identity.domain import AccountRequest, AccountStatus
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Actor, Role
from rempart.identity.sealing import seal_login
from rempart.identity.service import approve_account, request_account
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.kernel.clock import FixedClock
from rempart.kernel.ids import new_id
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement, Profession, StructureKind
from rempart.registry.generator import SyntheticFrance, generate_france, generate_statements
from rempart.registry.rights_file import write_csv
from rempart.settings import Environment, Settings
from rempart.shield.honeytokens import plant_honeytoken
from rempart.shield.port import FixedBudgetShield
from rempart.shield.sentinel import Sentinel
from rempart.shield.store import LocalFeatureStore
from rempart.simulation.parameters import Parameters
from rempart.vault.keyring import KeyRing, LocalFileKeySource

# Addresses from the documentation ranges (RFC 5737): pharmacies in TEST-NET-3,
# attackers in TEST-NET-2.
SITE_ADDRESS = "203.0.113.{}"
ATTACKER_ADDRESS = "198.51.100.{}"
COUNTER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) LGO-counter/{}"
ATTACKER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


class ForkableStore(LocalFeatureStore):
    """The in-process feature store, with a copy for a forked world (it relies on the
    local store's layout: `tests/simulation` checks a fork answers like its origin)."""

    def fork(self) -> ForkableStore:
        twin = ForkableStore()
        with self._lock:
            twin._data = copy.deepcopy(self._data)
            twin._expiry = dict(self._expiry)
            twin._runs = self._runs
        return twin


class ForkableQuotas(FixedBudgetShield):
    """The app's in-process quotas (the full budget, as `rempart serve` without Redis),
    with a copy for a forked world."""

    def fork(self) -> ForkableQuotas:
        twin = ForkableQuotas(self.policy)
        twin._quotas = self._quotas.copy()
        return twin


@dataclass(frozen=True)
class Professional:
    """A person with an account who works at one structure of the simulation."""

    account_id: uuid.UUID
    rpps: str
    profession: Profession
    finess: str
    role: Role
    device: str  # the counter's user agent
    day_mean: float  # their mean rights checks a working day (scale applied)


@dataclass(frozen=True)
class Site:
    """A structure that works in the simulation: its public address, its staff, and
    its regular patients (families of the population, by index)."""

    finess: str
    kind: StructureKind
    address: str
    staff: tuple[Professional, ...]
    families: tuple[int, ...]

    @property
    def day_mean(self) -> float:
        return sum(p.day_mean for p in self.staff)


@dataclass(frozen=True)
class Population:
    """Everyone the insurers' files state (`statements`), grouped in families (indexes),
    the honeytokens among them, and people this operator does not hold (`strangers`)."""

    statements: tuple[BeneficiaryStatement, ...]
    families: tuple[tuple[int, ...], ...]
    honeytokens: frozenset[int]
    strangers: tuple[BeneficiaryStatement, ...]


@dataclass(frozen=True)
class Person:
    """A platform-side account the simulation drives (administrators, analysts)."""

    account_id: uuid.UUID
    role: Role


@dataclass(frozen=True)
class World:
    seed: int
    params: Parameters
    days: int
    home: Path
    db_path: Path
    settings: Settings
    platform: Platform
    clock: FixedClock
    quotas: ForkableQuotas
    store: ForkableStore
    shield: Sentinel
    france: SyntheticFrance
    population: Population
    sites: tuple[Site, ...]
    admins: tuple[Person, Person]
    analysts: tuple[Person, Person]
    start: datetime  # the legitimate workload's first instant (local midnight, in UTC)
    attack_start: datetime  # local midnight of the attack day, in UTC

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.params.timezone)

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(idle=timedelta(minutes=self.params.session_idle_minutes))

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def at_local(self, day: date, hours: float) -> datetime:
        midnight = datetime.combine(day, time.min, tzinfo=self.zone)
        return (midnight + timedelta(hours=hours)).astimezone(UTC)

    def staff(self) -> Iterator[Professional]:
        for site in self.sites:
            yield from site.staff

    def site_of(self, finess: str) -> Site:
        return next(s for s in self.sites if s.finess == finess)

    def sign_in(
        self, account_id: uuid.UUID, context: RequestContext, factor: Factor = Factor.PASSKEY
    ) -> tuple[str, Actor | None]:
        """A fresh session, as after a successful sign-in with `factor` (the ceremony
        itself is not simulated), and the actor it opens (None: the account is no
        longer active)."""
        with serving(context):
            token = open_session(
                uow=self.platform.uow(),
                account_id=account_id,
                factor=factor,
                policy=self.session_policy,
            )
            return token, self.resume(token, context)

    def resume(self, token: str, context: RequestContext) -> Actor | None:
        """The actor a request presenting this session token gets (None: the session
        ended, idle or by suspension)."""
        with serving(context):
            return actor_for_session(
                uow=self.platform.uow(), token=token, policy=self.session_policy
            )

    def fork(self, name: str) -> World:
        """A copy of this world at this instant, in a database file of its own."""
        path = self.home / f"{name}.sqlite3"
        _backup(self.db_path, path)
        clock = FixedClock(self.clock.now())
        settings = _settings(self.home, path)
        platform = open_platform(settings, clock=clock)
        quotas, store = self.quotas.fork(), self.store.fork()
        shield = Sentinel(quotas=quotas, store=store, uow=platform.uow)
        return replace(
            self,
            db_path=path,
            settings=settings,
            platform=platform,
            clock=clock,
            quotas=quotas,
            store=store,
            shield=shield,
        )

    def close(self, *, remove: bool = False) -> None:
        self.shield.close()
        self.platform.close()
        if remove:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)


def _settings(home: Path, db_path: Path) -> Settings:
    return Settings(
        env=Environment.DEVELOPMENT,
        home=home,
        database_url=f"sqlite:///{db_path}",
        keys_file=home / "keys.json",
        keys=None,
        keys_dir=None,
        redis_url=None,
    )


def _backup(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    origin = sqlite3.connect(source)
    copy_ = sqlite3.connect(target)
    try:
        origin.backup(copy_)
    finally:
        copy_.close()
        origin.close()


@contextmanager
def _quiet() -> Iterator[None]:
    with serving(RequestContext(request_id=None, address=None, user_agent=None)):
        yield


def build_world(*, seed: int, params: Parameters, days: int, home: Path) -> World:
    """Keys, schema, the synthetic France of this seed through the real importer,
    honeytokens, administrators, analysts, and the accounts of the working structures.
    The clock stands one hour before the first simulated day."""
    rng = random.Random(f"rempart-range:{seed}")
    zone = ZoneInfo(params.timezone)
    first_day = params.attack_day - timedelta(days=days)
    start = datetime.combine(first_day, time.min, tzinfo=zone).astimezone(UTC)
    attack_start = datetime.combine(params.attack_day, time.min, tzinfo=zone).astimezone(UTC)
    clock = FixedClock(start - timedelta(hours=1))
    home.mkdir(parents=True, exist_ok=True)
    LocalFileKeySource(home / "keys.json", require_private=True).save(KeyRing.generate())
    db_path = home / "range.sqlite3"
    settings = _settings(home, db_path)
    platform = open_platform(settings, clock=clock, migrate=True)
    try:
        with _quiet():
            france = generate_france(seed=seed, beneficiaries=params.beneficiaries, today=first_day)
            registry.register_reference_data(
                uow=platform.uow(),
                insurers=france.insurers,
                structures=france.structures,
                professionals=france.professionals,
            )
            population = _population(platform, france, seed, params, first_day, home, rng)
            admins, analysts, onboarding = _platform_people(platform, clock)
            sites = _sites(platform, france, population, params, onboarding, rng)
        quotas, store = ForkableQuotas(), ForkableStore()
        shield = Sentinel(quotas=quotas, store=store, uow=platform.uow)
    except BaseException:
        platform.close()
        raise
    return World(
        seed=seed,
        params=params,
        days=days,
        home=home,
        db_path=db_path,
        settings=settings,
        platform=platform,
        clock=clock,
        quotas=quotas,
        store=store,
        shield=shield,
        france=france,
        population=population,
        sites=sites,
        admins=admins,
        analysts=analysts,
        start=start,
        attack_start=attack_start,
    )


def _population(
    platform: Platform,
    france: SyntheticFrance,
    seed: int,
    params: Parameters,
    today: date,
    home: Path,
    rng: random.Random,
) -> Population:
    statements = tuple(
        generate_statements(
            france=france, seed=seed, beneficiaries=params.beneficiaries, today=today
        )
    )
    path = home / "rights.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(statements, handle)
    outcome = registry.import_rights_file(uow=platform.uow(), path=path, as_of=today)
    path.unlink()
    if outcome.rejected:
        raise RuntimeError(f"the synthetic rights file lost {outcome.rejected} lines")
    grouped: dict[tuple[str, str], list[int]] = {}
    for index, line in enumerate(statements):
        grouped.setdefault((line.amc_number, line.member_number), []).append(index)
    families = tuple(tuple(members) for members in grouped.values())
    count = max(1, round(params.honeytoken_share * len(statements)))
    honeytokens = frozenset(rng.sample(range(len(statements)), count))
    for index in sorted(honeytokens):
        line = statements[index]
        with platform.uow() as uow:
            found = registry.find_beneficiary(
                uow=uow,
                insured_nir=line.insured_nir,
                birth_date=line.birth_date,
                birth_rank=line.birth_rank,
                amc_number=line.amc_number,
                member_number=line.member_number,
            )
        if found is None:
            raise RuntimeError("a planted honeytoken was not imported")
        plant_honeytoken(uow=platform.uow(), beneficiary_id=found)
    # People insured with insurers of this directory but held elsewhere (another stream of
    # the generator): their cards are well formed and match nobody here.
    strangers = tuple(
        generate_statements(
            france=france,
            seed=seed + 100_003,
            beneficiaries=max(200, params.beneficiaries // 5),
            today=today,
        )
    )
    return Population(statements, families, honeytokens, strangers)


def _bootstrap_admin(platform: Platform, clock: FixedClock, login: str) -> Person:
    """The platform's first administrators exist before any approval can (as a deployment
    creates them); every other account goes through request and approval."""
    account_id = new_id()
    with platform.uow() as uow:
        now = clock.now()
        uow.session.add(
            AccountRow(
                id=account_id,
                role=Role.PLATFORM_ADMIN,
                status=AccountStatus.ACTIVE,
                is_new=False,
                rpps=None,
                amc_number=None,
                beneficiary_id=None,
                requested_by=None,
                approved_by=None,
                created_at=now,
                approved_at=now,
                **seal_login(uow.vault, login, account_id),
            )
        )
        uow.commit()
    return Person(account_id, Role.PLATFORM_ADMIN)


def platform_actor(platform: Platform, person: Person, policy: SessionPolicy) -> Actor:
    """A platform account signed in now with its passkey."""
    token = open_session(
        uow=platform.uow(), account_id=person.account_id, factor=Factor.PASSKEY, policy=policy
    )
    actor = actor_for_session(uow=platform.uow(), token=token, policy=policy)
    if actor is None:
        raise RuntimeError("a platform account of the simulation is not active")
    return actor


@dataclass(frozen=True)
class Onboarding:
    """The two administrators who onboard the simulated structures: one requests each
    account, the other approves it. Not fed to the shield's burst detector, which
    watches administrators' day-to-day requests (this is the platform's setup)."""

    requester: Actor
    approver: Actor

    def account(self, platform: Platform, request: AccountRequest) -> uuid.UUID:
        account_id = request_account(uow=platform.uow(), actor=self.requester, request=request)
        approve_account(uow=platform.uow(), actor=self.approver, account_id=account_id)
        return account_id


def _platform_people(
    platform: Platform, clock: FixedClock
) -> tuple[tuple[Person, Person], tuple[Person, Person], Onboarding]:
    admins = (
        _bootstrap_admin(platform, clock, "admin-1@range.example"),
        _bootstrap_admin(platform, clock, "admin-2@range.example"),
    )
    policy = SessionPolicy()
    onboarding = Onboarding(
        platform_actor(platform, admins[0], policy), platform_actor(platform, admins[1], policy)
    )
    analysts = tuple(
        Person(
            onboarding.account(
                platform, AccountRequest(Role.SECURITY_ANALYST, f"analyst-{n}@range.example")
            ),
            Role.SECURITY_ANALYST,
        )
        for n in (1, 2)
    )
    return admins, (analysts[0], analysts[1]), onboarding


def _spread(items: list[str], count: int) -> list[str]:
    """`count` items from a sorted list: both ends and evenly between (large and small)."""
    if count >= len(items):
        return list(items)
    if count == 1:
        return [items[-1]]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def _sites(
    platform: Platform,
    france: SyntheticFrance,
    population: Population,
    params: Parameters,
    onboarding: Onboarding,
    rng: random.Random,
) -> tuple[Site, ...]:
    staff_of: dict[str, list[tuple[str, Profession, bool]]] = {}
    onboarded: set[str] = set()
    for professional in france.professionals:
        home_structure = professional.structures[0] if professional.structures else None
        if home_structure is None:
            continue
        staff_of.setdefault(home_structure, []).append(
            (
                professional.rpps,
                professional.profession,
                home_structure in professional.administrator_of,
            )
        )
    chosen: list[tuple[str, StructureKind]] = []
    for kind, count in (
        (StructureKind.PHARMACY, params.pharmacies),
        (StructureKind.MEDICAL_PRACTICE, params.medical_practices),
        (StructureKind.OPTICAL_SHOP, params.optical_shops),
    ):
        candidates = sorted(
            (s.finess for s in france.structures if s.kind is kind and staff_of.get(s.finess)),
            key=lambda f: (len(staff_of[f]), f),
        )
        chosen += [(finess, kind) for finess in _spread(candidates, count)]
    pool = [
        i
        for i, family in enumerate(population.families)
        if not population.honeytokens.intersection(family)
    ]
    sites: list[Site] = []
    for number, (finess, kind) in enumerate(chosen, start=1):
        people = [p for p in staff_of[finess] if p[0] not in onboarded]
        means = _day_means(kind, [p[1] for p in people], params, rng)
        staff: list[Professional] = []
        for (rpps, profession, administrator), mean in zip(people, means, strict=True):
            onboarded.add(rpps)
            role = Role.STRUCTURE_ADMIN if administrator else Role.PROFESSIONAL
            account_id = onboarding.account(
                platform, AccountRequest(role, f"{rpps}@range.example", rpps, (finess,))
            )
            staff.append(
                Professional(
                    account_id,
                    rpps,
                    profession,
                    finess,
                    role,
                    COUNTER_AGENT.format(f"{number}.{len(staff) + 1}"),
                    mean,
                )
            )
        size = max(50, round(params.patient_pool_days * sum(means)))
        families = tuple(rng.sample(pool, min(size, len(pool))))
        sites.append(Site(finess, kind, SITE_ADDRESS.format(number), tuple(staff), families))
    return tuple(sites)


def _day_means(
    kind: StructureKind, professions: list[Profession], params: Parameters, rng: random.Random
) -> list[float]:
    """Each person's mean rights checks a working day."""
    if kind is StructureKind.PHARMACY:
        pharmacists = len(professions)
        bands = {count: (low, high) for count, low, high in params.pharmacy_day}
        low, high = bands.get(pharmacists, bands[max(bands)])
        total = rng.uniform(low, high) * params.scale
        weights = [rng.uniform(0.7, 1.3) for _ in professions]
        return [total * w / sum(weights) for w in weights]
    ranges = {
        Profession.GENERAL_PRACTITIONER: params.gp_day,
        Profession.SPECIALIST: params.specialist_day,
        Profession.NURSE: params.nurse_day,
        Profession.OPTICIAN: params.optician_day,
    }
    means = []
    for profession in professions:
        low, high = ranges.get(profession, params.specialist_day)
        means.append(rng.uniform(low, high) * params.scale)
    return means
