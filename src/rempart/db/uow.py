"""The unit of work: one transaction, owned by the use case that opens it.

Routers and repositories never commit; a use case calls `uow.commit()` once its whole
operation (including the audit record, later) is written. Leaving the block without a
commit rolls everything back, so a half-done operation leaves nothing behind.

Keys are taken fresh from the key source each time the unit of work is entered (and on
`refresh_vault`), and a commit is refused when the database has registered a newer data
key version than the one this process wrote with: a worker that has not yet seen a
rotation can never write rows under a version that is being retired. That check is made
for every transaction that may write something tied to a data key version (the unit of
work's vault view says so: see `Vault.for_transaction`); one that only read through blind
indexes and wrote plain rows (a rights check: an accreditation and an audit record) has
nothing a rotation could strand, and commits without it.

The transaction lives on a Core connection the unit of work checks out itself; the ORM
session is made only when a use case asks for it, bound to that connection. A hot path
that runs its statements on the connection (a rights check, an invoice) never pays for a
session it does not use: making, committing and closing one costs several times the
connection's own checkout and commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from rempart.db.base import table_of
from rempart.db.bulk import read
from rempart.db.locks import exclusive
from rempart.kernel.clock import Clock
from rempart.vault.cipher import Vault
from rempart.vault.errors import KeyMismatch, KeyRingReloaded
from rempart.vault.models import KeyVersionRow

_KEY_VERSIONS = table_of(KeyVersionRow)
# Built once: the statement is the same for every commit.
_NEWEST_DATA_VERSION = select(func.max(_KEY_VERSIONS.c.version)).where(
    _KEY_VERSIONS.c.family == "data", _KEY_VERSIONS.c.retired_at.is_(None)
)


class UnitOfWork:
    vault: Vault

    def __init__(
        self,
        *,
        session_factory: Callable[..., Session],
        vaults: Callable[[], Vault],
        clock: Clock,
        engine: Engine,
        reload_vault: Callable[[], Vault] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._vaults = vaults
        self._reload_vault = reload_vault or vaults
        self.clock = clock
        self.engine = engine
        # Every vault view this unit of work handed out: one kept by a caller across
        # `refresh_vault` (or across blocks) still counts when its commit decides.
        self._views: list[Vault] = []
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._open = False
        self._served = False  # the connection has served a transaction already

    def exclusive(self, name: str, *, what: str) -> AbstractContextManager[None]:
        """A cross-process lock for the whole of a long use case (see db.locks)."""
        return exclusive(self.engine, name, what=what)

    def __enter__(self) -> Self:
        if self._open:  # the outer block's transaction would be lost, its connection leaked
            raise RuntimeError("a unit of work is already open: one block at a time")
        self._new_view()
        self._connection = None
        self._session = None
        self._open = True
        self._served = False
        return self

    def connection(self) -> Connection:
        """The connection of this unit of work, checked out at first use and kept until
        the block ends, always in a transaction (after a commit, a new one): Core never
        sees the statements run on its driver (`db.bulk`), and this is what makes its
        commit and rollback reach the driver whatever ran there."""
        connection = self._connection
        if connection is None:
            if not self._open:  # a connection checked out here would never be given back
                raise RuntimeError("a unit of work is used outside its with block")
            connection = self._connection = self.engine.connect()
        if not connection.in_transaction():
            if self._served:
                _revive(connection)
            connection.begin()
        return connection

    def allow_long_idle(self) -> None:
        """This transaction may sit idle between two statements longer than the
        server's idle-in-transaction timeout (db.engine.ServerTimeouts): it renders
        documents between the reads of one cursor. PostgreSQL only, until its end."""
        connection = self.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = 0")

    @property
    def session(self) -> Session:
        """The ORM session, made at first use and bound to `connection()`: what it
        flushes is in the same transaction as what ran on the connection, and the unit of
        work's commit and rollback end both."""
        if self._session is None:
            self._session = self._session_factory(
                bind=self.connection(), join_transaction_mode="control_fully"
            )
        return self._session

    def _new_view(self) -> Vault:
        self.vault = self._vaults().for_transaction()
        self._views.append(self.vault)
        return self.vault

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, connection = self._session, self._connection
        self._session = self._connection = None
        self._open = False
        # Ending them rolls back whatever was left. On a connection the server cut, that
        # rollback fails too (Core then discards the connection): the error already
        # leaving the block is the one that says what happened, not this echo of it.
        with _unless_leaving(exc):
            try:
                if session is not None:
                    session.close()  # the connection stays open
            finally:
                if connection is not None:
                    connection.close()  # gives it back to the pool

    def refresh_vault(self) -> Vault:
        """For long use cases that commit in batches: each batch uses the current keys."""
        return self._new_view()

    def commit(self) -> None:
        # Conservative: once any view of this unit of work made something versioned,
        # every later commit of it is checked too.
        if any(view.versioned for view in self._views):
            self._refuse_stale_keys()
        if self._session is not None:
            # Flushes; commits the connection's transaction if the session took it over
            # (it does at its first statement, not before).
            self._session.commit()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.commit()
        self._served = True

    def _refuse_stale_keys(self) -> None:
        ((newest,),) = read(self.connection(), _NEWEST_DATA_VERSION, {})
        if newest is not None and newest > self.vault.active_version:
            self.rollback()
            if self._reload_vault().active_version >= newest:
                # The ring had changed on disk already: the caller may redo its work with
                # the keys `refresh_vault` now returns.
                raise KeyRingReloaded(
                    f"data key version {newest} was registered meanwhile; nothing was "
                    "written, redo the operation"
                )
            raise KeyMismatch(
                f"data key version {newest} is registered but this process writes with "
                f"version {self.vault.active_version}: its key ring is out of date "
                "(a rotation is under way); nothing was written, retry"
            )

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        if self._connection is not None:
            self._connection.rollback()
        self._served = True


@contextmanager
def _unless_leaving(leaving: BaseException | None) -> Iterator[None]:
    try:
        yield
    except DBAPIError:
        if leaving is None:
            raise


def _revive(connection: Connection) -> None:
    """Before a batch's next transaction on a connection kept since the last commit, what
    the pool's ping does at checkout (PostgreSQL: a server restarted or failed over
    between two batches of an import or a payment run): a dead connection is discarded,
    and Core fetches a live one at the next statement. SQLite's file does not go away."""
    if connection.dialect.name == "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is None:
        return  # already discarded: Core fetches a live one at the next statement
    try:
        alive = connection.dialect.do_ping(dbapi_connection)
    except connection.dialect.loaded_dbapi.Error:
        alive = False
    if not alive:
        connection.invalidate()
