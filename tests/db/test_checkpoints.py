"""The write-ahead log of an embedded database is copied back into the database file by a
thread of its own (db.checkpoints), long before any commit reaches the automatic
threshold, and the thread ends with the database."""

from __future__ import annotations

import gc
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from rempart.db.checkpoints import BackgroundCheckpoints
from rempart.db.database import Database


def _rows_in_the_database_file_alone(path: Path, scratch: Path) -> int:
    """Rows of `notes` in the database file without its log: what checkpoints copied."""
    alone = scratch / "alone.sqlite3"
    shutil.copyfile(path, alone)
    with closing(sqlite3.connect(alone)) as probe:
        (count,) = probe.execute("SELECT count(*) FROM notes").fetchone()
    return int(count)


def test_commits_reach_the_database_file_without_any_commit_copying_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rempart.sqlite3"
    database = Database(f"sqlite:///{path}")
    checkpoints = database.checkpoints
    assert checkpoints is not None
    try:
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (n INTEGER, body TEXT)"))
        for n in range(200):  # a few hundred pages: far below the automatic threshold
            with database.engine.begin() as connection:
                connection.execute(
                    text("INSERT INTO notes VALUES (:n, :body)"), {"n": n, "body": "x" * 900}
                )
        done = checkpoints.checkpoints
        deadline = time.monotonic() + 5
        while checkpoints.checkpoints < done + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        copied = _rows_in_the_database_file_alone(path, tmp_path)
    finally:
        database.dispose()
    assert copied == 200
    assert not checkpoints.running


def test_a_file_that_cannot_be_opened_stops_the_thread_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpoints = BackgroundCheckpoints(str(tmp_path / "missing" / "rempart.sqlite3"))
    checkpoints.start()
    deadline = time.monotonic() + 5
    while checkpoints.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not checkpoints.running
    assert "background checkpoints stopped" in caplog.text
    checkpoints.stop()  # stopping a thread that has ended is harmless


def test_the_thread_ends_with_a_database_nobody_disposed_of(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'rempart.sqlite3'}")
    checkpoints = database.checkpoints
    assert checkpoints is not None
    assert checkpoints.running
    database.engine.dispose()  # the engine's connections, not the database object's thread
    del database
    gc.collect()
    deadline = time.monotonic() + 5
    while checkpoints.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not checkpoints.running


def test_postgresql_and_in_memory_databases_have_none(postgres_url: str) -> None:
    for url in (postgres_url, "sqlite:///:memory:"):
        database = Database(url)
        assert database.checkpoints is None
        database.dispose()
