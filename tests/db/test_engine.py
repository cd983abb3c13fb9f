"""PostgreSQL connections: a pooled connection the server cut is pinged and replaced
before use, also for the requests whose reads run on the driver; a lone read (the
caller's session) opens no transaction; a transaction left idle is ended by the server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError

from rempart.bootstrap import open_database, open_platform
from rempart.db.bulk import read_alone
from rempart.db.database import Database
from rempart.db.engine import ServerTimeouts, make_engine
from rempart.db.transient import is_transient
from rempart.identity.permissions import Role
from rempart.settings import Environment, Settings

from ..conftest import make_settings, write_keys
from ..identity.web import make_web


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    made = make_engine(postgres_url)
    yield made
    made.dispose()


def _cut(postgres_url: str, pids: list[int]) -> None:
    """What a server restart or a failover does to pooled connections."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def _pooled_pids(engine: Engine) -> list[int]:
    """Every connection the pool holds (checked out together, so each is its own)."""
    held = [engine.connect() for _ in range(max(1, engine.pool.checkedin()))]  # type: ignore[attr-defined]
    try:
        return [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in held]
    finally:
        for connection in held:
            connection.close()


def test_a_request_after_the_server_cut_its_connections_is_served(
    tmp_path: Path, postgres_url: str
) -> None:
    """The caller's session is read on the driver (db.bulk.read_alone), outside Core's
    disconnect handling: the pool's ping is what replaces the dead connection."""
    web = make_web(tmp_path, postgres_url)
    person = web.signed_in(web.account(Role.INSURED, "someone@example.org"))
    assert person.get("/api/v1/me").status_code == 200
    _cut(postgres_url, _pooled_pids(web.platform.database.engine))
    assert person.get("/api/v1/me").status_code == 200


def test_a_lone_read_opens_no_transaction(engine: Engine) -> None:
    _pooled_pids(engine)  # the pool's first connection, past the dialect's own queries
    statements: list[str] = []
    real = psycopg.Connection._exec_command

    def spied(self: psycopg.Connection[Any], command: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(bytes(command).decode() if not isinstance(command, str) else command)
        return real(self, command, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.Connection, "_exec_command", spied)
        assert read_alone(engine, select(text("1")), {}) == [(1,)]
    assert not [s for s in statements if s.split()[0].upper() in ("BEGIN", "ROLLBACK")]
    with engine.connect() as connection:  # the connection went back as it came
        driver: Any = connection.connection.driver_connection
        assert driver.autocommit is False


def _database(tmp_path: Path, postgres_url: str, *, idle_transaction_timeout_s: float) -> Database:
    """The database as the platform opens it from its settings."""
    settings = Settings(
        env=Environment.DEVELOPMENT,
        home=tmp_path,
        database_url=postgres_url,
        database_idle_transaction_timeout_s=idle_transaction_timeout_s,
    )
    return open_database(settings)


def test_a_transaction_left_idle_is_ended_and_its_locks_released(
    tmp_path: Path, postgres_url: str
) -> None:
    """A worker stuck between two statements (on something outside the database) while
    its transaction holds a lock: the server ends the session after the settings'
    timeout, the lock goes with it, and the stuck work's next statement fails as the
    database's moment (answered 503), not as a defect."""
    database = _database(tmp_path, postgres_url, idle_transaction_timeout_s=0.3)
    other = make_engine(postgres_url, timeouts=ServerTimeouts(lock_s=5))
    try:
        with database.engine.connect() as stuck:
            setting = stuck.execute(text("SHOW idle_in_transaction_session_timeout")).scalar()
            assert setting == "300ms"
            stuck.execute(text("CREATE TABLE held (id int PRIMARY KEY)"))
            stuck.commit()
            stuck.execute(text("LOCK TABLE held IN ACCESS EXCLUSIVE MODE"))
            # The lock is released once the server ends the idle session, not after the
            # other connection's own 5 s lock timeout.
            with other.connect() as behind:
                started = time.monotonic()
                behind.execute(text("SELECT count(*) FROM held")).scalar()
                assert time.monotonic() - started < 3
            with pytest.raises(DBAPIError) as ended:
                stuck.execute(text("SELECT 1"))
            assert is_transient(ended.value)
    finally:
        other.dispose()
        database.dispose()


def test_no_idle_timeout_when_the_setting_is_zero(tmp_path: Path, postgres_url: str) -> None:
    """0 leaves the server's own setting: the connection sets only its lock timeout."""
    database = _database(tmp_path, postgres_url, idle_transaction_timeout_s=0)
    try:
        with database.engine.connect() as connection:
            sources: dict[str, str] = dict(
                connection.execute(
                    text(
                        "SELECT name, source FROM pg_settings WHERE name IN "
                        "('lock_timeout', 'idle_in_transaction_session_timeout')"
                    )
                ).all()
            )
        assert sources["lock_timeout"] == "client"
        assert sources["idle_in_transaction_session_timeout"] != "client"
    finally:
        database.dispose()


def test_a_unit_of_work_that_renders_between_reads_may_stay_idle(
    tmp_path: Path, postgres_url: str
) -> None:
    """The incident letters' transaction lifts the idle limit for itself, and only for
    itself: the connection's next transaction has it again."""
    home = tmp_path / "home"
    write_keys(home)
    settings = make_settings(home, postgres_url, database_idle_transaction_timeout_s=0.3)
    platform = open_platform(settings, migrate=True)
    show = text("SHOW idle_in_transaction_session_timeout")
    try:
        with platform.uow() as uow:
            uow.allow_long_idle()
            time.sleep(0.8)
            assert uow.connection().execute(show).scalar() == "0"
            uow.commit()
        with platform.uow() as uow:
            assert uow.connection().execute(show).scalar() == "300ms"
    finally:
        platform.close()
