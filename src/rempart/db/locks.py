"""Cross-process exclusive locks for operations that must not run twice at once (an
import, a key rotation), whatever host or worker starts them.

PostgreSQL: a session-level advisory lock on a connection held for the operation. SQLite:
an OS file lock beside the database file (every process sharing an SQLite file shares the
host). Both are non-blocking: a held lock is a clear refusal, never a wait.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from rempart.kernel.errors import Conflict


class OperationInProgress(Conflict):
    code = "operation-in-progress"
    title = "The same operation is already running"


def _key(name: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"rempart:{name}".encode()).digest()[:8], "big", signed=True
    )


@contextmanager
def exclusive(engine: Engine, name: str, *, what: str) -> Iterator[None]:
    """Hold the lock `name` for the block, or raise OperationInProgress naming `what`."""
    refusal = f"{what} is already running (another process holds its lock): try again when it ends"
    url = make_url(str(engine.url))
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            yield  # one process, one in-memory database: nothing to exclude
            return
        path = Path(database).with_name(Path(database).name + f".{name}.lock")
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OperationInProgress(refusal) from None
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)
        return
    with engine.connect() as connection:
        held = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(name)})
        if not held.scalar():
            raise OperationInProgress(refusal)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(name)})
            connection.commit()
