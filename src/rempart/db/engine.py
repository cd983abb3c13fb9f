"""Engines for the embedded SQLite file and for PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from rempart.db.sqlite_gate import BUSY_TIMEOUT_S, GatedConnection

# Connections kept open between requests. A request uses one at a time (its actor's read,
# then its use case's unit of work), so a worker serves this many concurrent requests without
# opening any; past it, up to the thread pool's 40 get a connection opened for them and
# closed after (on SQLite that reruns every pragma below, on PostgreSQL a whole sign-in).
POOL_SIZE = 16
MAX_OVERFLOW = 24


@dataclass(frozen=True)
class ServerTimeouts:
    """What every PostgreSQL connection sets for its session (None: the server's own).

    `lock_s` bounds every wait for a lock another transaction holds (a beneficiary an
    invoice is adjudicating, a structure a payment run pays, a table a migration
    alters): a transaction stuck holding one then fails the requests behind it quickly
    (SQLSTATE 55P03, answered 503) instead of tying up every worker, and a migration
    waiting behind a long transaction fails instead of queueing every request behind its
    own lock.

    `idle_in_transaction_s` ends the transaction itself when it sits idle that long
    between two statements (its worker stuck on something outside the database): the
    server closes the session and its locks go with it, so the requests behind it stop
    failing. Requests and batch commands (which commit batch by batch) never wait that
    long between statements; the one unit of work that may, rendering an incident's
    letters between the reads of one cursor, says so (`UnitOfWork.allow_long_idle`)."""

    lock_s: float | None = None
    idle_in_transaction_s: float | None = None

    def options(self) -> str:
        settings = (
            ("lock_timeout", self.lock_s),
            ("idle_in_transaction_session_timeout", self.idle_in_transaction_s),
        )
        return " ".join(
            f"-c {name}={max(1, round(seconds * 1000))}"
            for name, seconds in settings
            if seconds is not None
        )


def make_engine(url: str, *, timeouts: ServerTimeouts | None = None) -> Engine:
    """`hide_parameters` on both backends: a database error's message never carries the
    statement's values (identifiers, blind indexes, ciphertexts, token hashes), since an
    unhandled one reaches the server's log whole.

    On PostgreSQL, every connection carries `timeouts`. SQLite's writers queue on the
    gate (db.sqlite_gate), bounded by its busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, Any] = {}
        connect: dict[str, Any] = {"timeout": BUSY_TIMEOUT_S}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}
            connect["factory"] = GatedConnection  # writers queue; see db.sqlite_gate
        engine = create_engine(url, connect_args=connect, hide_parameters=True, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    # pool_pre_ping: a round trip at every checkout, and what keeps a connection the
    # server cut (a restart, a failover) from failing a request: the driver-level reads
    # and writes (db.bulk) bypass Core's own disconnect handling, so the ping is the one
    # place a dead connection is found and replaced.
    options = (timeouts or ServerTimeouts()).options()
    server: dict[str, Any] = {"options": options} if options else {}
    return create_engine(
        url,
        connect_args=server,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        hide_parameters=True,
    )


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A checkpoint copies each page changed since the last one back into the database
    # file, once however often it changed: every rights check writes the same hot pages
    # (the tails of the audit and accreditation tables and of their time-ordered
    # indexes), so checkpointing every 8,000 pages (32 MiB of WAL) instead of 1,000
    # copies them far less often. It runs inside some commit; that commit pays it.
    cursor.execute("PRAGMA wal_autocheckpoint=8000")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    # Blind indexes are random keys: B-tree inserts touch pages all over the index, and a
    # larger page cache keeps imports from rereading them.
    cursor.execute("PRAGMA cache_size=-131072")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
