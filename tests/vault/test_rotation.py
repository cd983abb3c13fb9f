"""Key rotation and retirement over a seeded registry, on both backends, and through the
`rempart keys` commands."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import LargeBinary, RowMapping, Select, func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from rempart.bootstrap import Platform, open_platform
from rempart.cli import app
from rempart.db.locks import OperationInProgress
from rempart.identity.domain import AccountRequest
from rempart.identity.models import AccountRow, CredentialRow
from rempart.identity.permissions import Actor, Role
from rempart.identity.sealing import LOGIN, login_key, open_totp_secret, seal_totp_secret
from rempart.identity.service import request_account
from rempart.kernel.clock import FixedClock
from rempart.registry import service
from rempart.registry.domain import BeneficiaryStatement
from rempart.registry.generator import SyntheticFrance
from rempart.registry.models import BeneficiaryRow, InsurerRow, MemberRow
from rempart.registry.repository import BeneficiaryView, RegistryRepository
from rempart.registry.sealing import CARD, MEMBER, NIR, card_key, member_key
from rempart.schema import SEALED_TABLES
from rempart.vault.cipher import Vault
from rempart.vault.errors import KeyMismatch, VaultError
from rempart.vault.keyring import KeyRing
from rempart.vault.models import KeyVersionRow
from rempart.vault.provider import local_key_file
from rempart.vault.sealed import SealedTable
from rempart.vault.service import (
    RotationOutcome,
    RotationProgress,
    reseal_all,
    retire_version,
    rotate_keys,
    rows_per_version,
    verify_ring,
)

from ..conftest import NOW, make_settings
from ..factories import card_of as card
from ..factories import france, register, statements, write_file

# -- a seeded registry ------------------------------------------------------------------


@dataclass
class Seeded:
    platform: Platform
    world: SyntheticFrance
    lines: list[BeneficiaryStatement]
    path: Path
    ids: list[uuid.UUID]  # per line
    views: dict[uuid.UUID, BeneficiaryView]  # a sample, read before any rotation
    plaintexts: dict[tuple[str, uuid.UUID, str], str | None]
    rows: int  # sealed rows, all tables
    first_ring: KeyRing


def find_all(platform: Platform, lines: list[BeneficiaryStatement]) -> list[uuid.UUID | None]:
    with platform.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        return [repository.find_beneficiary_id(**card(s)) for s in lines]


def load_all(platform: Platform, ids: list[uuid.UUID]) -> dict[uuid.UUID, BeneficiaryView]:
    with platform.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        return {i: repository.load_beneficiary(i) for i in ids}


def ciphertext_columns(spec: SealedTable) -> list[str]:
    """Ciphertext() is an unbounded LargeBinary; blind indexes are LargeBinary(16)."""
    return [
        c.name
        for c in spec.table.columns
        if isinstance(c.type, LargeBinary) and c.type.length is None
    ]


def open_everything(
    platform: Platform,
) -> tuple[dict[tuple[str, uuid.UUID, str], str | None], Counter[tuple[str, int]]]:
    """Every ciphertext of every sealed table, opened; and the versions found in the
    ciphertext headers, which must agree with each row's key_version."""
    plain: dict[tuple[str, uuid.UUID, str], str | None] = {}
    versions: Counter[tuple[str, int]] = Counter()
    with platform.uow() as uow:
        for spec in SEALED_TABLES:
            table, columns = spec.table, ciphertext_columns(spec)
            assert columns, table.name
            (key,) = table.primary_key.columns
            query = select(key.label("id"), table.c.key_version, *(table.c[c] for c in columns))
            for row in uow.session.execute(query).mappings():
                versions[(table.name, row["key_version"])] += 1
                for column in columns:
                    blob = row[column]
                    if blob is None:
                        plain[(table.name, row["id"], column)] = None
                        continue
                    assert Vault.sealed_version(blob) == row["key_version"]
                    plain[(table.name, row["id"], column)] = uow.vault.open(
                        blob, table=table.name, column=column, row_id=row["id"]
                    )
    return plain, versions


def assert_indexes_match_their_rows(platform: Platform) -> None:
    """Each blind index is the one of its row's own key version (re-indexed with it)."""
    plain, _ = open_everything(platform)
    b, m = BeneficiaryRow, MemberRow
    with platform.uow() as uow:
        vault = uow.vault
        rows = uow.session.execute(
            select(
                b.id,
                b.key_version,
                b.card_index,
                b.nir_index,
                b.birth_rank,
                m.id,
                m.key_version,
                m.member_index,
                InsurerRow.amc_number,
            )
            .join(m, m.id == b.member_id)
            .join(InsurerRow, InsurerRow.id == m.insurer_id)
        ).all()
    assert rows
    for b_id, b_version, card_index, nir_index, rank, m_id, m_version, member_index, amc in rows:
        number = plain[("members", m_id, "member_number")]
        insured_nir = plain[("members", m_id, "insured_nir")]
        birth_date = plain[("beneficiaries", b_id, "birth_date")]
        nir = plain[("beneficiaries", b_id, "nir")]
        assert number
        assert insured_nir
        assert birth_date
        key = card_key(
            insured_nir=insured_nir,
            birth_date=birth_date,
            birth_rank=rank,
            amc_number=amc,
            member_number=number,
        )
        assert card_index == vault.blind_index(CARD, key, version=b_version)
        expected_nir = (
            None if nir is None else vault.blind_index(NIR, nir.encode(), version=b_version)
        )
        assert nir_index == expected_nir
        member = member_key(amc_number=amc, member_number=number)
        assert member_index == vault.blind_index(MEMBER, member, version=m_version)


def assert_registry_reads_as_before(platform: Platform, seeded: Seeded) -> None:
    """Every remembered card tuple still finds its beneficiary, who reads as before."""
    assert find_all(platform, seeded.lines) == seeded.ids
    assert load_all(platform, list(seeded.views)) == seeded.views
    with platform.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        for structure in seeded.world.structures:
            assert repository.structure_iban(structure.finess) == structure.iban


SIZE = 120  # beneficiaries: a small France keeps both backends quick


def seed(platform: Platform, tmp_path: Path) -> Seeded:
    world = france(SIZE)
    register(platform, world)
    lines = statements(world, SIZE)
    path = write_file(tmp_path / "rights.csv", lines)
    outcome = service.import_rights_file(
        uow=platform.uow(), path=path, batch_size=platform.settings.import_batch_size
    )
    assert (outcome.created, outcome.rejected) == (len(lines), 0)
    found = find_all(platform, lines)
    ids = [i for i in found if i is not None]
    assert len(set(ids)) == len(lines)
    plaintexts, versions = open_everything(platform)
    assert {version for _, version in versions} == {1}
    with platform.uow() as uow:
        counts = rows_per_version(session=uow.session, tables=SEALED_TABLES)
    assert counts == {1: sum(versions.values())}
    assert versions[("beneficiaries", 1)] == len(lines)
    return Seeded(
        platform=platform,
        world=world,
        lines=lines,
        path=path,
        ids=ids,
        views=load_all(platform, ids[::10]),
        plaintexts=plaintexts,
        rows=counts[1],
        first_ring=local_key_file(platform.settings).load(),
    )


@pytest.fixture
def seeded(platform: Platform, tmp_path: Path) -> Seeded:
    return seed(platform, tmp_path)


# -- what `rempart keys rotate` does ------------------------------------------------------


def start_rotation(platform: Platform) -> Vault:
    source = local_key_file(platform.settings)
    source.save(source.load().with_new_data_version())
    vault = platform.vaults.reload()
    with platform.uow() as uow:
        verify_ring(session=uow.session, vault=uow.vault, clock=platform.clock)
        uow.commit()
    return vault


def reseal(platform: Platform, *, batch_size: int | None = None, **options: Any) -> int:
    with platform.uow() as uow:
        return reseal_all(
            session=uow.session,
            vault=uow.vault,
            tables=options.pop("tables", SEALED_TABLES),
            batch_size=batch_size or platform.settings.rotation_batch_size,
            **options,
        )


def retire(platform: Platform, version: int) -> None:
    with platform.uow() as uow:
        retire_version(
            session=uow.session,
            vault=uow.vault,
            tables=SEALED_TABLES,
            version=version,
            clock=platform.clock,
        )
        uow.commit()


def versions_by_table(platform: Platform) -> dict[str, dict[int, int]]:
    with platform.uow() as uow:
        counts = {
            spec.table.name: rows_per_version(session=uow.session, tables=[spec])
            for spec in SEALED_TABLES
        }
        return {name: by_version for name, by_version in counts.items() if by_version}


class Interrupted(Exception):
    pass


# -- a complete rotation ----------------------------------------------------------------


def test_rotation_reseals_every_row_and_every_lookup_still_works(
    seeded: Seeded, clock: FixedClock
) -> None:
    platform = seeded.platform
    every_view = load_all(platform, seeded.ids)
    vault = start_rotation(platform)
    assert (vault.active_version, vault.versions) == (2, (2, 1))

    progress: list[RotationProgress] = []
    assert reseal(platform, on_batch=progress.append) == seeded.rows

    with platform.uow() as uow:
        assert rows_per_version(session=uow.session, tables=SEALED_TABLES) == {2: seeded.rows}
    assert all(set(counts) == {2} for counts in versions_by_table(platform).values())
    plaintexts, header_versions = open_everything(platform)
    assert plaintexts == seeded.plaintexts
    assert {version for _, version in header_versions} == {2}
    assert_indexes_match_their_rows(platform)
    assert_registry_reads_as_before(platform, seeded)
    assert load_all(platform, seeded.ids) == every_view

    assert sum(p.resealed for p in progress) == seeded.rows
    last = {p.table: p.remaining for p in progress}
    assert last == dict.fromkeys(versions_by_table(platform), 0)  # every table with rows
    assert reseal(platform) == 0  # nothing left: a rerun is a no-op

    # The old version can go, the active one cannot.
    with pytest.raises(VaultError, match="active"):
        retire(platform, 2)
    retire(platform, 1)
    with platform.uow() as uow:
        retired = {
            r.version: r.retired_at
            for r in uow.session.scalars(
                select(KeyVersionRow).where(KeyVersionRow.family == "data")
            )
        }
    assert retired == {1: NOW, 2: None}

    source = local_key_file(platform.settings)
    source.save(source.load().without_data_version(1))
    fresh = open_platform(platform.settings, clock=clock)
    try:
        assert fresh.vault.versions == (2,)
        assert_registry_reads_as_before(fresh, seeded)
        assert open_everything(fresh)[0] == seeded.plaintexts
    finally:
        fresh.close()

    # The key file from before the rotation no longer opens this database.
    source.save(seeded.first_ring)
    with pytest.raises(KeyMismatch, match="data key version 2"):
        open_platform(platform.settings, clock=clock)


def test_an_interrupted_rotation_keeps_serving_and_resumes(
    seeded: Seeded, clock: FixedClock
) -> None:
    platform = seeded.platform

    def stop_in_beneficiaries(progress: RotationProgress) -> None:
        if progress.table == "beneficiaries":
            raise Interrupted

    start_rotation(platform)
    with pytest.raises(Interrupted):
        reseal(platform, batch_size=50, on_batch=stop_in_beneficiaries)

    tables = versions_by_table(platform)
    assert tables["beneficiaries"] == {1: len(seeded.lines) - 50, 2: 50}
    assert all(set(c) == {2} for name, c in tables.items() if name != "beneficiaries")

    # Rows of both versions are found (blind indexes under every version) and read.
    with platform.uow() as uow:
        row_versions = dict(
            uow.session.execute(select(BeneficiaryRow.id, BeneficiaryRow.key_version)).all()
        )
    found = find_all(platform, seeded.lines)
    assert found == seeded.ids
    assert {row_versions[i] for i in seeded.ids} == {1, 2}
    assert_registry_reads_as_before(platform, seeded)
    assert_indexes_match_their_rows(platform)
    assert open_everything(platform)[0] == seeded.plaintexts

    # A worker (re)started meanwhile opens and reads too.
    worker = open_platform(platform.settings, clock=clock)
    try:
        assert_registry_reads_as_before(worker, seeded)
    finally:
        worker.close()

    left = len(seeded.lines) - 50
    with pytest.raises(VaultError, match=f"{left} rows are still sealed under version 1"):
        retire(platform, 1)

    assert reseal(platform) == left
    with platform.uow() as uow:
        assert rows_per_version(session=uow.session, tables=SEALED_TABLES) == {2: seeded.rows}
    assert_registry_reads_as_before(platform, seeded)
    assert_indexes_match_their_rows(platform)
    retire(platform, 1)


@pytest.mark.usefixtures("preparation")
def test_an_import_during_a_rotation_finds_the_rows_not_yet_resealed(seeded: Seeded) -> None:
    platform = seeded.platform

    def stop_in_beneficiaries(progress: RotationProgress) -> None:
        if progress.table == "beneficiaries":
            raise Interrupted

    start_rotation(platform)
    with pytest.raises(Interrupted):
        reseal(platform, batch_size=50, on_batch=stop_in_beneficiaries)
    # A member half-way (resealed) whose beneficiaries are not: both lookups must hit.
    outcome = service.import_rights_file(uow=platform.uow(), path=seeded.path)
    assert (outcome.created, outcome.rejected) == (0, 0)
    with platform.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(BeneficiaryRow)) == len(
            seeded.lines
        )
    assert_registry_reads_as_before(platform, seeded)

    reseal(platform)
    retire(platform, 1)
    outcome = service.import_rights_file(
        uow=platform.uow(), path=write_file(seeded.path.with_name("again.csv"), seeded.lines)
    )
    assert (outcome.created, outcome.rejected) == (0, 0)
    assert_registry_reads_as_before(platform, seeded)


def test_a_file_imported_again_after_a_rotation_is_unchanged(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    seeded = seed(sqlite_platform, tmp_path)
    platform = seeded.platform
    start_rotation(platform)
    reseal(platform)
    outcome = service.import_rights_file(
        uow=platform.uow(), path=write_file(seeded.path.with_name("again.csv"), seeded.lines)
    )
    assert (outcome.created, outcome.updated, outcome.rejected) == (0, 0, 0)
    assert outcome.unchanged == len(seeded.lines)


class _WrittenMeanwhile:
    """The structures spec, with the app updating one row between the rotation's read and
    its write (through the same session, so it is visible to the guarded update)."""

    def __init__(self, spec: SealedTable, session: Session, target: uuid.UUID, iban: str):
        self.spec, self.session, self.target, self.iban = spec, session, target, iban
        self.table = spec.table

    def select_for_reseal(self) -> Select[Any]:
        return self.spec.select_for_reseal()

    def reseal_batch(
        self, vault: Vault, session: Session, rows: Sequence[RowMapping]
    ) -> list[dict[str, Any]]:
        values = self.spec.reseal_batch(vault, session, rows)
        if any(row["id"] == self.target for row in rows):
            table = self.table
            self.session.execute(
                update(table)
                .where(table.c.id == self.target)
                .values(
                    iban=vault.seal(
                        self.iban, table="structures", column="iban", row_id=self.target
                    ),
                    key_version=vault.active_version,
                )
            )
        return values


def test_a_row_written_by_the_app_during_the_rotation_is_not_overwritten(
    platform: Platform,
) -> None:
    world = france()
    register(platform, world)
    start_rotation(platform)
    structures = next(s for s in SEALED_TABLES if s.table.name == "structures")
    target = world.structures[3]
    new_iban = "FR7630001007941234567890185"
    with platform.uow() as uow:
        target_id = uow.session.scalar(
            select(structures.table.c.id).where(structures.table.c.finess == target.finess)
        )
        assert target_id is not None
        meanwhile = _WrittenMeanwhile(structures, uow.session, target_id, new_iban)
        resealed = reseal_all(
            session=uow.session, vault=uow.vault, tables=[meanwhile], batch_size=4
        )
    assert resealed == len(world.structures) - 1
    with platform.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        for structure in world.structures:
            expected = new_iban if structure is target else structure.iban
            assert repository.structure_iban(structure.finess) == expected
    assert versions_by_table(platform)["structures"] == {2: len(world.structures)}


# -- the commands -----------------------------------------------------------------------


def test_keys_commands_init_rotate_status_retire(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    for name in ("REMPART_KEYS", "REMPART_KEYS_DIR", "REMPART_KEYS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REMPART_HOME", str(home))
    monkeypatch.setenv("REMPART_DATABASE_URL", url)
    monkeypatch.setenv("REMPART_ENV", "development")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    keys_file = home / "keys.json"

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        shown = " ".join(result.output.split())
        assert result.exit_code == code, (args, shown, result.exception)
        if code:  # an operator error: one clear line, never a traceback
            assert isinstance(result.exception, SystemExit), result.exception
            assert "Traceback" not in shown
        return shown

    def ring_versions() -> tuple[int, list[int]]:
        document = json.loads(keys_file.read_text())
        return document["data"]["active"], sorted(int(v) for v in document["data"]["versions"])

    assert "key ring written" in run("keys", "init")
    assert oct(keys_file.stat().st_mode & 0o777) == oct(0o600)
    assert "already exists" in run("keys", "init", code=1)
    run("keys", "init", "--if-missing")
    assert "database at head" in run("db", "upgrade")
    assert "300 beneficiaries" in run("demo", "seed", "--beneficiaries", "300", "--seed", "3")

    status = run("keys", "status")
    rows = int(status.split("data key v1 (active): ")[1].split()[0])
    assert rows > 300

    shown = run("keys", "rotate")
    assert "new key version created" in shown
    assert f"{rows} rows re-sealed under key version 2" in shown
    assert "rempart keys retire 1" in shown
    assert ring_versions() == (2, [1, 2])

    # Nothing left behind: a second rotate starts another version.
    shown = run("keys", "rotate")
    assert "new key version created" in shown
    assert f"{rows} rows re-sealed under key version 3" in shown
    assert ring_versions() == (3, [1, 2, 3])

    # An interrupted rotation (to version 4) is resumed, not restarted.
    settings = make_settings(home, url)
    opened = open_platform(settings)
    try:

        def stop(progress: RotationProgress) -> None:
            if progress.table == "beneficiaries":
                raise Interrupted

        start_rotation(opened)
        with pytest.raises(Interrupted):
            reseal(opened, batch_size=100, on_batch=stop)
        with opened.uow() as uow:
            left = rows_per_version(session=uow.session, tables=SEALED_TABLES)[3]
    finally:
        opened.close()
    shown = run("keys", "rotate")
    assert f"resuming an unfinished rotation ({left} rows left)" in shown
    assert f"{left} rows re-sealed under key version 4" in shown
    assert ring_versions() == (4, [1, 2, 3, 4])

    status = run("keys", "status")
    assert f"data key v4 (active): {rows} rows" in status
    for version in (1, 2, 3):
        assert f"data key v{version}: 0 rows" in status

    assert "key version 1 retired" in run("keys", "retire", "1")
    assert ring_versions() == (4, [2, 3, 4])
    assert "active key version cannot be retired" in run("keys", "retire", "4", code=1)
    assert "version 9 is not in the ring" in run("keys", "retire", "9", code=1)
    assert ring_versions() == (4, [2, 3, 4])

    status = run("keys", "status")
    assert "data key v1" not in status
    assert f"data key v4 (active): {rows} rows" in status
    stats = json.loads(run("stats", "--json"))
    assert stats["beneficiaries"] == 300


def test_family_members_on_different_cards_survive_a_rotation(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    """A spouse on a Carte Vitale of their own shares the member number but not the card
    holder's NIR; a rotation must re-key each beneficiary from its own card, and a line
    restating a corrected NIR must not make the rotation collide."""
    platform = sqlite_platform
    world = france()
    register(platform, world)
    lines = [s for s in statements(world) if s.relationship == "spouse"][:5]
    assert lines, "the generator makes spouses"
    own_card = [replace(s, insured_nir=s.beneficiary_nir or s.insured_nir) for s in lines]
    holders = [s for s in statements(world) if s.member_number in {x.member_number for x in lines}]
    family = holders + [s for s in own_card if s not in holders]
    rights = write_file(tmp_path / "family.csv", family)
    service.import_rights_file(uow=platform.uow(), path=rights)
    assert None not in find_all(platform, family)

    start_rotation(platform)
    reseal(platform)
    assert None not in find_all(platform, family)
    again = service.import_rights_file(uow=platform.uow(), path=rights)
    assert (again.created, again.updated, again.rejected) == (0, 0, 0)
    assert again.unchanged == len(family)


@pytest.mark.usefixtures("preparation")
def test_a_worker_that_has_not_seen_the_rotation_writes_nothing(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    """Another process (its own provider, still on version 1) imports while a rotation
    starts: the run row it opens is tied to no key and commits, its batch (made with
    version 1) is refused whole, the refusal reloads its ring, and the batch goes through
    again under version 2; nothing is duplicated and nothing stays under version 1.
    (tests/db/test_uow.py refuses a stale commit directly.)"""
    seeded = seed(sqlite_platform, tmp_path)
    stale = open_platform(seeded.platform.settings, clock=seeded.platform.clock)
    try:
        start_rotation(seeded.platform)  # the rotating process registers version 2
        before = service.count_rows(uow=seeded.platform.uow())
        outcome = service.import_rights_file(uow=stale.uow(), path=seeded.path)
        assert stale.vault.active_version == 2
        # every row still under version 1 is rewritten under version 2, none duplicated
        assert (outcome.created, outcome.unchanged, outcome.rejected) == (0, 0, 0)
        assert outcome.updated == len(seeded.lines)
        assert service.count_rows(uow=seeded.platform.uow()) == before
        assert versions_by_table(stale)["beneficiaries"] == {2: len(seeded.lines)}
    finally:
        stale.close()


def test_two_rotations_cannot_run_at_once(sqlite_platform: Platform, tmp_path: Path) -> None:
    platform = seed(sqlite_platform, tmp_path).platform
    source = local_key_file(platform.settings)
    before = source.path.read_bytes()

    def rotate() -> RotationOutcome:
        return rotate_keys(
            source=source,
            vaults=platform.vaults,
            uow_factory=platform.uow,
            tables=SEALED_TABLES,
            batch_size=50,
        )

    with (
        platform.uow().exclusive("key-rotation", what="a key rotation or retirement"),
        pytest.raises(OperationInProgress),
    ):
        rotate()
    assert source.path.read_bytes() == before
    outcome = rotate()
    assert outcome.new_version == 2
    assert not source.path.with_name(source.path.name + ".next").exists()


def test_a_rotation_stops_when_its_key_is_not_the_registered_one(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    platform = seed(sqlite_platform, tmp_path).platform
    start_rotation(platform)
    impostor = Vault(KeyRing.generate().with_new_data_version())  # "version 2", other secret
    with platform.uow() as uow, pytest.raises(KeyMismatch, match="no longer matches"):
        reseal_all(session=uow.session, vault=impostor, tables=SEALED_TABLES, batch_size=10)
    with platform.uow() as uow:
        assert rows_per_version(session=uow.session, tables=SEALED_TABLES).get(2, 0) == 0


def test_accounts_and_their_totp_secrets_are_resealed(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    seeded = seed(sqlite_platform, tmp_path)
    platform = seeded.platform
    admin = Actor(account_id=uuid.uuid4(), role=Role.PLATFORM_ADMIN)
    amc = seeded.world.insurers[0].amc_number
    request_account(
        uow=platform.uow(),
        actor=admin,
        request=AccountRequest(Role.INSURER_STAFF, "Agent@AMC.example", amc_number=amc),
    )
    with platform.uow() as uow:
        account_id = uow.session.scalars(select(AccountRow.id)).one()
        uow.session.add(
            CredentialRow(
                account_id=account_id,
                password_hash=None,
                totp_secret=seal_totp_secret(uow.vault, "JBSWY3DPEHPK3PXP", account_id),
                totp_confirmed=True,
                totp_last_step=None,
                updated_at=NOW,
                key_version=uow.vault.active_version,
            )
        )
        uow.commit()
    start_rotation(platform)
    reseal(platform)
    with platform.uow() as uow:
        credentials = uow.session.get(CredentialRow, account_id)
        assert credentials is not None
        assert credentials.totp_secret is not None
        assert credentials.key_version == 2
        assert Vault.sealed_version(credentials.totp_secret) == 2
        assert open_totp_secret(uow.vault, credentials.totp_secret, account_id) == (
            "JBSWY3DPEHPK3PXP"
        )
        row = uow.session.scalars(select(AccountRow)).one()
        assert row.key_version == 2
        assert (
            uow.vault.open(row.login_name, table="accounts", column="login_name", row_id=row.id)
            == "Agent@AMC.example"
        )
        assert row.login_index == uow.vault.blind_index(LOGIN, login_key("agent@amc.example"))
