"""Which database failures are the database's moment rather than the code's defect: the
same request, sent again a little later, may succeed.

A failure counts as transient only when the driver says so by its error code, or when
the connection is gone. Everything else the drivers call "operational" (a missing table
after a skipped migration, a full disk, a read-only file, too many bound variables) is a
defect or an outage for an operator to fix, and must reach the log whole, not be dressed
as a retry."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# PostgreSQL SQLSTATEs (appendix A of its manual): the connection failed (class 08), a
# serialisation failure or deadlock the transaction lost (40001, 40P01), a lock not had
# in time (55P03), the server shutting down or starting (57P01-57P03), too many
# connections (53300).
_POSTGRES_CLASSES = ("08",)
LOCK_NOT_AVAILABLE = "55P03"
_POSTGRES_STATES = frozenset(
    {"40001", "40P01", LOCK_NOT_AVAILABLE, "57P01", "57P02", "57P03", "53300"}
)
# SQLite's primary result codes (an extended code carries its primary in its low byte).
_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_transient(error: BaseException) -> bool:
    if isinstance(error, PoolTimeout):
        return True  # every pooled connection busy for the pool's whole timeout
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig
    state = getattr(cause, "sqlstate", None)
    if isinstance(state, str):
        return state.startswith(_POSTGRES_CLASSES) or state in _POSTGRES_STATES
    code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_CODES
    return False
