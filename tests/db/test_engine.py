"""PostgreSQL connections: a pooled connection idle for a while is pinged before use (a
cut one is replaced, the caller never sees it); one in steady use is not (a ping is a
round trip); a lone read (the caller's session) opens no transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import OperationalError

from rempart.db import engine as engines
from rempart.db.bulk import read_alone
from rempart.db.engine import make_engine


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    made = make_engine(postgres_url)
    yield made
    made.dispose()


def _pid(engine: Engine) -> int:
    with engine.connect() as connection:
        pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def _cut(postgres_url: str, pid: int) -> None:
    """What a server restart or a proxy's idle timeout does to a pooled connection."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_an_idle_connection_that_was_cut_is_replaced_unseen(
    engine: Engine, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cut(postgres_url, _pid(engine))
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.0)  # it has been idle long enough
    with engine.connect() as connection:
        assert connection.execute(select(1)).scalar_one() == 1


def test_without_the_ping_the_cut_connection_fails_its_request(
    engine: Engine, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above would pass vacuously if nothing were pooled: here the same cut
    connection, handed out unpinged, fails."""
    _cut(postgres_url, _pid(engine))
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 3600.0)
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(select(1))


def test_a_connection_in_steady_use_is_not_pinged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[Any] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    for _ in range(10):
        _pid(engine)
    assert pings == []
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.0)
    for _ in range(3):
        _pid(engine)
    assert len(pings) == 3


def test_a_lone_read_opens_no_transaction(engine: Engine) -> None:
    _pid(engine)  # the pool's first connection, past the dialect's own first queries
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
