"""Opening the database, applying migrations, and turning low-level failures (a truncated
SQLite file, an unreachable server) into one clear operator error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rempart.db.checkpoints import BackgroundCheckpoints
from rempart.db.engine import ServerTimeouts, make_engine
from rempart.db.transient import LOCK_NOT_AVAILABLE, is_transient
from rempart.kernel.errors import InfrastructureError

MIGRATIONS = Path(__file__).parent / "migrations"
# SQLite's primary result codes for a file that is not (or no longer) a whole database.
_DAMAGED_FILE = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class DatabaseUnavailable(InfrastructureError):
    pass


class Database:
    def __init__(self, url: str, *, timeouts: ServerTimeouts | None = None) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, timeouts=timeouts)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        path = make_url(url).database if self.embedded else None
        self.checkpoints: BackgroundCheckpoints | None = None
        if path and path != ":memory:":
            self.checkpoints = BackgroundCheckpoints(path, owner=self)
            self.checkpoints.start()

    @property
    def embedded(self) -> bool:
        """A file this process reads and writes itself (SQLite), not a server it waits on."""
        return make_url(self.url).get_backend_name() == "sqlite"

    def session(self) -> Session:
        return self.session_factory()

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def upgrade(self, revision: str = "head") -> None:
        with translate_database_errors(self.url):
            command.upgrade(self.alembic_config(), revision)

    def check_ready(self) -> None:
        """Reachable, a database at all, and migrated to head."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with translate_database_errors(self.url), self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not inspect(connection).has_table("alembic_version"):
                raise DatabaseUnavailable(
                    "the database has no schema yet: run 'rempart db upgrade'"
                )
            current = MigrationContext.configure(connection).get_current_heads()
        heads = ScriptDirectory.from_config(self.alembic_config()).get_heads()
        if set(current) != set(heads):
            raise DatabaseUnavailable(
                "the database schema is not at the code's version: run 'rempart db upgrade'"
            )

    def dispose(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.engine.dispose()


class translate_database_errors:
    def __init__(self, url: str) -> None:
        self.where = _describe(url)

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, DatabaseError | OperationalError):
            detail = str(getattr(exc, "orig", exc)).splitlines()[0]
            raise DatabaseUnavailable(
                f"the database at {self.where} cannot be used ({detail}); {_remedy(exc)}"
            ) from exc


def _remedy(error: DatabaseError) -> str:
    """What the operator should do, by what the driver said: restoring a backup is the
    answer to a damaged SQLite file only, never to a server that is busy or down."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _DAMAGED_FILE:
        return "a truncated or corrupted file must be restored from backup"
    if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return (
            "another transaction held a lock longer than REMPART_DATABASE_LOCK_TIMEOUT_S: "
            "run it again once that transaction has ended"
        )
    if is_transient(error):
        return "the database is busy or restarting: run it again in a moment"
    if code is not None:
        return "check the file's permissions and the disk's free space"
    return "check that the server is running and that the URL and its credentials are right"


def _describe(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return parsed.render_as_string(hide_password=True)
