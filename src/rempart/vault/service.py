"""Use cases of the vault: match a key ring to a database, rotate, retire."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rempart.db.uow import UnitOfWork
from rempart.kernel.clock import Clock
from rempart.vault.cipher import Vault
from rempart.vault.errors import KeyMismatch, VaultError
from rempart.vault.keyring import KeyRing, LocalFileKeySource
from rempart.vault.models import KeyVersionRow
from rempart.vault.provider import VaultProvider
from rempart.vault.sealed import SealedTable


def verify_ring(*, session: Session, vault: Vault, clock: Clock) -> None:
    """Refuse a ring that does not match the database; register versions new to it.

    Runs at start and before any command that reads or writes ciphertexts, so a wrong
    key file is a clear error instead of undecryptable rows.
    """
    ring = vault.ring
    known = {(r.family, r.version): r for r in session.scalars(select(KeyVersionRow))}
    for (family, version), row in known.items():
        if row.retired_at is not None:
            continue
        secrets = ring.data.secrets if family == "data" else ring.pseudonym.secrets
        if version not in secrets:
            raise KeyMismatch(
                f"this database uses {family} key version {version}, which the key ring lacks"
                " (if a rotation was interrupted, the new ring is in the key file's '.next'"
                " companion: move it over the key file)"
            )
        if vault.key_check(family, version) != row.key_check:
            raise KeyMismatch(
                f"the key ring does not match this database ({family} key version {version} "
                "differs): wrong key file?"
            )
    for family, secrets in (("data", ring.data.secrets), ("pseudonym", ring.pseudonym.secrets)):
        for version in secrets:
            if (family, version) not in known:
                session.add(
                    KeyVersionRow(
                        family=family,
                        version=version,
                        key_check=vault.key_check(family, version),
                        registered_at=clock.now(),
                        retired_at=None,
                    )
                )


def rows_per_version(*, session: Session, tables: Sequence[SealedTable]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for spec in tables:
        column = spec.table.c.key_version
        for version, count in session.execute(select(column, func.count()).group_by(column)):
            counts[version] = counts.get(version, 0) + count
    return counts


@dataclass(frozen=True)
class RotationProgress:
    table: str
    resealed: int
    remaining: int


def reseal_all(
    *,
    session: Session,
    vault: Vault,
    tables: Sequence[SealedTable],
    batch_size: int,
    on_batch: Callable[[RotationProgress], None] = lambda _: None,
) -> int:
    """Re-encrypt and re-index every row not under the active version, batch by batch.

    Each batch commits on its own, so the app keeps serving and an interrupted run
    resumes where it stopped: the rows' own key_version is the checkpoint. An update only
    lands if the row still has the version it was read with, so a concurrent write by the
    app (which already uses the active version) is never overwritten with stale values.
    """
    active = vault.active_version
    total = 0
    for spec in tables:
        table = spec.table
        remaining = (
            session.scalar(
                select(func.count()).select_from(table).where(table.c.key_version != active)
            )
            or 0
        )
        # Each sealed table has a one-column key; spec queries label it "id".
        (key,) = table.primary_key.columns
        while True:
            _check_still_registered(session, vault)
            rows = (
                session.execute(
                    spec.select_for_reseal()
                    .where(table.c.key_version != active)
                    .order_by(key)
                    .limit(batch_size)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            resealed = 0
            for row, values in zip(rows, spec.reseal_batch(vault, session, rows), strict=True):
                result = session.execute(
                    update(table)
                    .where(key == row["id"], table.c.key_version == row["key_version"])
                    .values(**values, key_version=active)
                )
                resealed += result.rowcount or 0  # type: ignore[attr-defined]
            session.commit()
            total += resealed
            remaining = max(0, remaining - len(rows))
            on_batch(RotationProgress(table.name, resealed, remaining))
    return total


def _check_still_registered(session: Session, vault: Vault) -> None:
    """Before each batch of a rotation: the key it seals with is the one registered for
    its version (a concurrent rotation or a replaced key file stops it cold)."""
    registered = session.scalar(
        select(KeyVersionRow.key_check).where(
            KeyVersionRow.family == "data", KeyVersionRow.version == vault.active_version
        )
    )
    if registered != vault.key_check("data", vault.active_version):
        raise KeyMismatch(
            f"data key version {vault.active_version} no longer matches the one registered "
            "in the database: rotation stopped (another rotation, or a replaced key file?)"
        )


def retire_version(
    *, session: Session, vault: Vault, tables: Sequence[SealedTable], version: int, clock: Clock
) -> None:
    if version == vault.active_version:
        raise VaultError("the active key version cannot be retired")
    still = rows_per_version(session=session, tables=tables).get(version, 0)
    if still:
        raise VaultError(
            f"{still} rows are still sealed under version {version}: finish 'rempart keys rotate'"
        )
    session.execute(
        update(KeyVersionRow)
        .where(KeyVersionRow.family == "data", KeyVersionRow.version == version)
        .values(retired_at=clock.now())
    )


@dataclass(frozen=True)
class RotationOutcome:
    new_version: int | None  # None: an unfinished rotation was resumed
    rows_behind: int  # rows under another version when the command started
    resealed: int
    active_version: int
    retirable: tuple[int, ...]


def rotate_keys(
    *,
    source: LocalFileKeySource,
    vaults: VaultProvider,
    uow_factory: Callable[[], UnitOfWork],
    tables: Sequence[SealedTable],
    batch_size: int,
    on_batch: Callable[[RotationProgress], None] = lambda _: None,
) -> RotationOutcome:
    """`rempart keys rotate`: a new data key version, then every row re-sealed under it.

    A new version is created only when no row is behind the active one; otherwise the
    unfinished rotation is resumed, so an interrupted command is simply run again. One
    rotation at a time (a database-wide lock), and the new version is registered in the
    database before the key file is replaced: two rotators can never each put a
    different "version N" to use.
    """
    with uow_factory().exclusive("key-rotation", what="a key rotation or retirement"):
        with uow_factory() as uow:
            behind = sum(
                count
                for version, count in rows_per_version(session=uow.session, tables=tables).items()
                if version != uow.vault.active_version
            )
        new_version = None
        if not behind:
            ring = source.load().with_new_data_version()
            new_version = ring.data.active
            # The new ring is kept beside the key file until it is in place, so that a
            # crash between the two steps loses nothing (see docs/operations/keys.md).
            pending = source.path.with_name(source.path.name + ".next")
            LocalFileKeySource(pending, require_private=True).save(ring)
            with uow_factory() as uow:
                verify_ring(session=uow.session, vault=Vault(ring), clock=uow.clock)
                uow.session.commit()  # the rotation's own registration: no freshness check
            source.save(ring)
            pending.unlink(missing_ok=True)
        vault = vaults.reload()
        with uow_factory() as uow:
            verify_ring(session=uow.session, vault=uow.vault, clock=uow.clock)
            uow.commit()
        with uow_factory() as uow:
            resealed = reseal_all(
                session=uow.session,
                vault=uow.vault,
                tables=tables,
                batch_size=batch_size,
                on_batch=on_batch,
            )
    return RotationOutcome(
        new_version=new_version,
        rows_behind=behind,
        resealed=resealed,
        active_version=vault.active_version,
        retirable=tuple(sorted(v for v in vault.ring.data.secrets if v != vault.active_version)),
    )


def retire_key(
    *, source: LocalFileKeySource, uow: UnitOfWork, tables: Sequence[SealedTable], version: int
) -> None:
    """`rempart keys retire`: refused while any row uses the version."""
    with uow.exclusive("key-rotation", what="a key rotation or retirement"):
        _retire_locked(source=source, uow=uow, tables=tables, version=version)


def _retire_locked(
    *, source: LocalFileKeySource, uow: UnitOfWork, tables: Sequence[SealedTable], version: int
) -> None:
    retire_version(
        session=uow.session, vault=uow.vault, tables=tables, version=version, clock=uow.clock
    )
    # The database first: a ring still holding a retired version is harmless, a database
    # still expecting a removed one would refuse to start.
    uow.commit()
    source.save(source.load().without_data_version(version))


def init_keys(*, source: LocalFileKeySource, if_missing: bool = False) -> bool:
    """`rempart keys init`: a new ring, never over an existing one. True when written."""
    if source.exists():
        if if_missing:
            return False
        raise VaultError(
            f"{source.path} already exists; refusing to overwrite keys that may be in use"
        )
    source.save(KeyRing.generate())
    return True


@dataclass(frozen=True)
class KeyVersionStatus:
    version: int
    active: bool
    rows: int


def key_status(*, uow: UnitOfWork, tables: Sequence[SealedTable]) -> list[KeyVersionStatus]:
    """Each data key version in the ring, and how many rows it seals."""
    with uow:
        counts = rows_per_version(session=uow.session, tables=tables)
        vault = uow.vault
        return [
            KeyVersionStatus(version, version == vault.active_version, counts.get(version, 0))
            for version in sorted(vault.ring.data.secrets)
        ]
