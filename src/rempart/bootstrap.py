"""Wiring shared by the web app and the command line: database, vault, clock, units of
work. Nothing here is module-level state: each process builds one Platform."""

from __future__ import annotations

from dataclasses import dataclass

from rempart.db.database import Database
from rempart.db.engine import ServerTimeouts
from rempart.db.uow import UnitOfWork
from rempart.kernel.clock import Clock, SystemClock
from rempart.settings import Settings
from rempart.vault.cipher import Vault
from rempart.vault.provider import VaultProvider, key_source_for
from rempart.vault.service import verify_ring


@dataclass
class Platform:
    settings: Settings
    database: Database
    vaults: VaultProvider
    clock: Clock

    @property
    def vault(self) -> Vault:
        return self.vaults.current()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            session_factory=self.database.session_factory,
            vaults=self.vaults.current,
            reload_vault=self.vaults.reload,
            clock=self.clock,
            engine=self.database.engine,
        )

    def close(self) -> None:
        self.database.dispose()


def open_database(settings: Settings) -> Database:
    """The configured database, its PostgreSQL connections carrying the settings'
    timeouts."""
    idle = settings.database_idle_transaction_timeout_s
    timeouts = ServerTimeouts(
        lock_s=settings.database_lock_timeout_s, idle_in_transaction_s=idle or None
    )
    return Database(settings.effective_database_url, timeouts=timeouts)


def open_platform(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = False
) -> Platform:
    """Open the database and the key ring, and refuse to go on if they do not match.

    Keys are required in every environment: without them no personal field can be read
    or written, and the platform must not pretend otherwise.
    """
    import rempart.schema  # noqa: F401  (complete metadata)

    vaults = VaultProvider(key_source_for(settings))
    database = open_database(settings)
    try:
        if migrate:
            database.upgrade()
        database.check_ready()
        platform = Platform(settings, database, vaults, clock or SystemClock())
        with platform.uow() as uow:
            verify_ring(session=uow.session, vault=uow.vault, clock=platform.clock)
            uow.commit()
    except BaseException:
        database.dispose()
        raise
    return platform
