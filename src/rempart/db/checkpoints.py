"""The SQLite write-ahead log copied back into the database file from a thread of its
own, rather than inside whichever commit crossed the automatic threshold.

In WAL mode every commit appends its pages to the log; a checkpoint copies them back into
the database file. Left to SQLite, the commit that finds the log past
`wal_autocheckpoint` pages does the whole copy before returning: a rights check wrote
about fifteen pages, so one check in five hundred took 20-35 ms instead of half a
millisecond, about a tenth of all the checks' time, and on the event loop it held up
every request behind it.

Here a thread runs a PASSIVE checkpoint every `INTERVAL_S` in which the log has changed:
it copies whatever the log holds without waiting for, or blocking, readers and writers,
and releases the GIL while it does. The writers' own automatic checkpoint stays on as
the safety net and the step that lets the log start over: SQLite restarts the log only
once every page in it has been copied, which the thread cannot see through while commits
keep appending; when the threshold comes, the commit finds all but the last pages copied
already and does only those. Other processes (a command-line import) checkpoint on their
own; checkpoints of one file never run at once (SQLite serialises them)."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref
from contextlib import closing

INTERVAL_S = 0.05

log = logging.getLogger(__name__)


class BackgroundCheckpoints:
    """PASSIVE checkpoints of one SQLite file, every `interval_s` while its log has
    changed, until `stop` or until `owner` (the database object) is gone: a database
    nobody disposed of does not keep a thread polling its file."""

    def __init__(
        self, path: str, *, owner: object | None = None, interval_s: float = INTERVAL_S
    ) -> None:
        self._path = path
        self._log_path = path + "-wal"
        self._owner = None if owner is None else weakref.ref(owner)
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)
        self._seen: tuple[int, int] | None = None  # the log's size and mtime last checkpointed
        self.checkpoints = 0  # completed, for tests and curious operators

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            with closing(sqlite3.connect(self._path, isolation_level=None)) as connection:
                while not self._stopping.wait(self._interval_s):
                    if self._owner is not None and self._owner() is None:
                        return
                    if self._log_changed():
                        self._checkpoint(connection)
        except sqlite3.Error as exc:  # the file went away or cannot be opened
            log.warning("background checkpoints stopped: %s", exc.__class__.__name__)

    def _log_changed(self) -> bool:
        try:
            status = os.stat(self._log_path)
        except FileNotFoundError:
            return False
        seen = (status.st_size, status.st_mtime_ns)
        if seen == self._seen:
            return False
        self._seen = seen
        return True

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.OperationalError as exc:
            # Another checkpoint is running (another process's, or a writer's own): this
            # one is not needed.
            log.debug("checkpoint skipped: %s", exc)
            return
        self.checkpoints += 1
