"""Writers to one SQLite file queue behind each other inside a process (db.sqlite_gate):
a second writer waits for the first to end its transaction instead of meeting SQLite's
lock and its sleeping busy handler; readers never wait; every end of a transaction
releases the gate; a writer that cannot have the gate in time falls back to SQLite's own
locking rather than hang."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from rempart.db import sqlite_gate
from rempart.db.engine import make_engine


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (n INTEGER)"))
    yield engine
    engine.dispose()


def _impatient(connection: Connection) -> None:
    """Without the gate this connection's write would fail at once on a locked database:
    SQLite's busy handler is off."""
    connection.exec_driver_sql("PRAGMA busy_timeout=0")


def _in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported to the test
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_second_writer_waits_for_the_first_to_commit(engine: Engine) -> None:
    first = engine.connect()
    first.execute(text("INSERT INTO notes VALUES (1)"))  # holds SQLite's write lock
    second_wrote = threading.Event()

    def second_writer() -> None:
        with engine.connect() as second:
            _impatient(second)
            second.execute(text("INSERT INTO notes VALUES (2)"))
            second.commit()
            second_wrote.set()

    thread, errors = _in_thread(second_writer)
    assert not second_wrote.wait(0.3)  # queued on the gate, not refused by SQLite
    first.commit()
    thread.join(10)
    first.close()
    assert errors == []
    with engine.connect() as reader:
        assert sorted(reader.execute(text("SELECT n FROM notes")).scalars()) == [1, 2]


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_every_end_of_a_transaction_opens_the_gate(engine: Engine, end: str) -> None:
    first = engine.connect()
    first.execute(text("INSERT INTO notes VALUES (1)"))
    getattr(first, end)()
    with engine.connect() as second:
        _impatient(second)
        second.execute(text("INSERT INTO notes VALUES (2)"))
        second.commit()
    with engine.connect() as reader:
        assert list(reader.execute(text("SELECT n FROM notes")).scalars()) == [2]


def test_readers_do_not_wait_for_a_writer(engine: Engine) -> None:
    with engine.connect() as writer:
        writer.execute(text("INSERT INTO notes VALUES (1)"))
        found: list[int] = []

        def reader() -> None:
            with engine.connect() as connection:
                found.extend(connection.execute(text("SELECT count(*) FROM notes")).scalars())

        thread, errors = _in_thread(reader)
        thread.join(5)
        assert not thread.is_alive()
        assert errors == []
        assert found == [0]  # the uncommitted row is not seen (WAL snapshot)
        writer.rollback()


def test_a_writer_that_cannot_have_the_gate_meets_sqlites_lock_instead_of_hanging(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_gate, "BUSY_TIMEOUT_S", 0.05)
    first = engine.connect()
    first.execute(text("INSERT INTO notes VALUES (1)"))
    try:
        # The same thread writing on a second connection: SQLite would refuse it anyway.
        with engine.connect() as second:
            _impatient(second)
            with pytest.raises(Exception) as refused:
                second.execute(text("INSERT INTO notes VALUES (2)"))
            assert isinstance(refused.value.__cause__ or refused.value, sqlite3.OperationalError)
            assert "locked" in str(refused.value)
            second.rollback()
    finally:
        first.rollback()
        first.close()
    with engine.connect() as third:  # and the gate is free again
        _impatient(third)
        third.execute(text("INSERT INTO notes VALUES (3)"))
        third.commit()
