"""Shared by the benchmarks that need a platform: a fresh key ring and schema, a synthetic
France imported through the real importer, a signed-in professional, the unthrottled
shield, and PostgreSQL databases of their own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from rempart.bootstrap import Platform, open_platform
from rempart.identity.actors import actor_for_session
from rempart.identity.domain import AccountStatus
from rempart.identity.models import AccountRow, AccountStructureRow
from rempart.identity.permissions import Actor, Role
from rempart.identity.sealing import seal_login
from rempart.identity.sessions import Factor, SessionPolicy, open_session
from rempart.kernel.ids import new_id
from rempart.registry import service as registry
from rempart.registry.domain import BeneficiaryStatement, RightsStatus
from rempart.registry.generator import SyntheticFrance, generate_france, generate_statements
from rempart.registry.rights_file import write_csv
from rempart.settings import Environment, Settings
from rempart.shield.alerting import StoredAlertSink
from rempart.shield.domain import Ladder
from rempart.shield.observations import DetectionPolicy
from rempart.shield.port import FixedBudgetShield
from rempart.shield.quotas import Limits, QuotaPolicy
from rempart.shield.sentinel import Sentinel
from rempart.shield.store import FeatureStore, LocalFeatureStore
from rempart.vault.keyring import KeyRing, LocalFileKeySource

# Far above anything a run reaches (a few thousand requests a second for a minute at
# most): the shield's bookkeeping is paid, nothing is throttled.
UNTHROTTLED = QuotaPolicy.everywhere(Limits(1_000_000_000, 1_000_000_000, 1_000_000_000))
# Risks are computed and stored as in production, no rung is ever climbed: a benchmark's
# one pharmacy checking a thousand cards a second is exactly what the detectors contain.
_NEVER = 1 << 60
WATCHING = DetectionPolicy(ladder=Ladder(_NEVER, _NEVER, _NEVER))


def watching_shield(platform: Platform, store: FeatureStore | None = None) -> Sentinel:
    """The app's shield as `build_shield` makes it (containment standing, quotas, every
    detector, stored alerts; features in `store`, in process by default), unthrottled and
    never climbing: what a production check pays for its shield."""
    return Sentinel(
        quotas=FixedBudgetShield(UNTHROTTLED),
        store=store or LocalFeatureStore(),
        uow=platform.uow,
        policy=WATCHING,
        alerts=StoredAlertSink(platform.uow),
    )


def new_platform(url: str, home: Path) -> Platform:
    """A fresh key ring in `home` and the schema migrated to head (development settings,
    so that plain http on localhost and a synthetic operator account are fine)."""
    home.mkdir(parents=True, exist_ok=True)
    LocalFileKeySource(home / "keys.json", require_private=True).save(KeyRing.generate())
    settings = Settings(env=Environment.DEVELOPMENT, home=home, database_url=url)
    return open_platform(settings, migrate=True)


def import_france(
    platform: Platform,
    *,
    beneficiaries: int,
    seed: int,
    today: date,
    world: SyntheticFrance | None = None,
) -> tuple[SyntheticFrance, list[BeneficiaryStatement]]:
    """Insurers, structures and professionals (of `world`, by default the France generated
    for that many people), then a rights file of `beneficiaries` people written as CSV
    and read by the real importer."""
    world = world or generate_france(seed=seed, beneficiaries=beneficiaries, today=today)
    registry.register_reference_data(
        uow=platform.uow(),
        insurers=world.insurers,
        structures=world.structures,
        professionals=world.professionals,
    )
    lines = list(
        generate_statements(france=world, seed=seed, beneficiaries=beneficiaries, today=today)
    )
    rights_csv = platform.settings.home / "rights.csv"
    with rights_csv.open("w", encoding="utf-8", newline="") as handle:
        write_csv(lines, handle)
    outcome = registry.import_rights_file(uow=platform.uow(), path=rights_csv, as_of=today)
    assert outcome.rejected == 0, outcome
    return world, lines


def open_on(line: BeneficiaryStatement, day: date) -> bool:
    return any(p.covers(day) and p.status is RightsStatus.OPEN for p in line.rights)


def card_of(line: BeneficiaryStatement) -> dict[str, object]:
    """What a pharmacy's software reads from the patient's cards, as JSON."""
    return {
        "insured_nir": line.insured_nir,
        "birth_date": line.birth_date,
        "birth_rank": line.birth_rank,
        "amc_number": line.amc_number,
        "member_number": line.member_number,
        "agreement_type": line.agreement_type,
    }


@dataclass(frozen=True)
class Professional:
    account_id: uuid.UUID
    token: str  # the browser session's cookie value
    actor: Actor


def professional_of(platform: Platform, finess: str, rpps: str | None) -> Professional:
    """An active professional account of one structure with a passkey session."""
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
                **seal_login(uow.vault, f"pro-{account_id.hex[:8]}@bench.example", account_id),
            )
        )
        uow.session.flush()
        uow.session.add(AccountStructureRow(account_id=account_id, finess=finess))
        uow.commit()
    token = open_session(
        uow=platform.uow(), account_id=account_id, factor=Factor.PASSKEY, policy=SessionPolicy()
    )
    actor = actor_for_session(uow=platform.uow(), token=token, policy=SessionPolicy())
    assert actor is not None
    return Professional(account_id, token, actor)


def _admin_url(server: str) -> URL:
    url = make_url(server)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def fresh_postgres(server: str, *, template: str | None = None) -> tuple[str, str]:
    """A new database on the server at `server` (a copy of `template` when given):
    its URL and its name."""
    name = f"rempart_bench_{uuid.uuid4().hex[:8]}"
    url = _admin_url(server)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_postgres(server: str, name: str) -> None:
    admin = create_engine(_admin_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def databases(scratch: Path, name: str, postgres: str | None) -> Iterator[tuple[str, str]]:
    """(backend, URL): a SQLite file in `scratch`, then, when a server is given, a
    PostgreSQL database of its own, dropped once the caller moves on."""
    yield "sqlite", f"sqlite:///{scratch / f'{name}.sqlite3'}"
    if postgres:
        url, database = fresh_postgres(postgres)
        try:
            yield "postgres", url
        finally:
            drop_postgres(postgres, database)
