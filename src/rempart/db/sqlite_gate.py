"""One writer at a time per SQLite file within a process, queued rather than polled.

SQLite lets one connection write at a time. A second writer's statement meets a locked
database and SQLite's busy handler retries it after sleeping 1, 2, 5, 10, 15, 20, 25 ...
ms, however soon the first writer commits. A rights check holds the write lock for a
fraction of a millisecond (an accreditation, an audit record, a commit), so under a few
concurrent pharmacies most of a check's time went to those sleeps: the server idled
while requests waited.

Here every connection to the same file shares one `threading.Lock`: a statement that may
write takes it before it runs (unless its connection already holds it) and the
transaction's end releases it, so waiting writers are woken the moment it is free. Reads
never take it (WAL lets them run beside the writer). Other processes (a CLI import beside
`rempart serve`) still meet SQLite's own lock and busy handler, as before.

If the gate cannot be had within the busy timeout (a thread writing on two connections
at once, which SQLite would refuse anyway), the statement goes ahead without it and SQLite
decides, exactly as it did without a gate.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

BUSY_TIMEOUT_S = 30.0

_gates: dict[str, threading.Lock] = {}
_gates_guard = threading.Lock()

# Statements that only read: everything else (INSERT, UPDATE, DELETE, BEGIN, DDL, ...)
# may take SQLite's write lock.
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def gate_for(database: str) -> threading.Lock:
    with _gates_guard:
        return _gates.setdefault(database, threading.Lock())


def _may_write(statement: str) -> bool:
    return not statement.lstrip()[:7].upper().startswith(_READS)


class GatedCursor(sqlite3.Cursor):
    connection: GatedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> GatedCursor:
        self.connection.enter_gate_for(sql)
        super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> GatedCursor:
        self.connection.enter_gate_for(sql)
        super().executemany(sql, seq_of_parameters)
        return self


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection (passed to `sqlite3.connect` as `factory`) that queues its
    writes behind the other connections of this process to the same file."""

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._gate = gate_for(str(database))
        self._holds_gate = False

    def cursor(self, factory: Any = GatedCursor) -> Any:
        return super().cursor(factory)

    def enter_gate_for(self, statement: str) -> None:
        if not self._holds_gate and _may_write(statement):
            self._holds_gate = self._gate.acquire(timeout=BUSY_TIMEOUT_S)

    def _leave_gate(self) -> None:
        if self._holds_gate:
            self._holds_gate = False
            self._gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_gate()
