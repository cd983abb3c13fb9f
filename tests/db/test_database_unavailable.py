"""A database that cannot do its part this time (the server cut the connection mid-request,
a writer held the SQLite file past the busy timeout, no pooled connection free) answers
503 with Retry-After, as a problem, keeps nothing of the request, logs no value, and the
next request is served; a database error that is a defect stays one."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, literal, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from rempart.audit.models import AuditRecordRow
from rempart.bootstrap import Platform
from rempart.db.bulk import read
from rempart.db.engine import make_engine
from rempart.db.transient import is_transient
from rempart.rights import service
from rempart.rights.models import AccreditationRow

from ..rights.test_check import Scene, card, open_scene, open_today
from .test_engine import _cut


@pytest.fixture
def scene(tmp_path: Path, database_url: str) -> Scene:
    return open_scene(tmp_path, database_url)


def written(scene: Scene) -> tuple[int, int]:
    with scene.web.platform.uow() as uow:
        records = uow.session.scalar(select(func.count()).select_from(AuditRecordRow)) or 0
        accreditations = uow.session.scalar(select(func.count()).select_from(AccreditationRow))
        return records, accreditations or 0


def failing_after_the_writes(
    monkeypatch: pytest.MonkeyPatch, failure: Callable[[Any], None]
) -> None:
    """The check writes its accreditation and its audit record, then `failure(uow)`
    strikes before the commit: nothing of it may be kept."""
    real = service.record_action

    def record_action(uow: Any, **kwargs: Any) -> Any:
        real(uow, **kwargs)
        failure(uow)

    monkeypatch.setattr(service, "record_action", record_action)


def driver_error(message: str, code: int, name: str) -> sqlite3.OperationalError:
    """A sqlite3 error as the driver raises it: with its result code."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    return error


def lose_connection(database_url: str) -> Callable[[Any], None]:
    def failure(uow: Any) -> None:
        connection = uow.connection()
        if connection.dialect.name == "sqlite":
            # What the gate meets when another process holds the file past the timeout.
            raise OperationalError(
                "COMMIT", {}, driver_error("database is locked", sqlite3.SQLITE_BUSY, "SQLITE_BUSY")
            )
        # A server restart or a failover: the commit that follows meets a dead connection.
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _cut(database_url, [pid])

    return failure


def test_a_connection_lost_mid_check_answers_503_and_keeps_nothing(
    scene: Scene,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    line = next(x for x in scene.lines if open_today(x))
    before = written(scene)
    with monkeypatch.context() as patch:
        failing_after_the_writes(patch, lose_connection(database_url))
        with caplog.at_level(logging.ERROR, logger="rempart"):
            answer = scene.counter.post("/api/v1/rights/checks", json=card(line))
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["type"].endswith("/unavailable")
    assert written(scene) == before
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "database unavailable" in logged
    for value in (line.insured_nir, line.birth_date, line.member_number):
        assert value not in logged
        assert value not in answer.text

    again = scene.counter.post("/api/v1/rights/checks", json=card(line))
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "open"
    assert written(scene) == (before[0] + 1, before[1] + 1)


def test_a_defect_is_not_dressed_as_a_retry(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing table (a skipped migration) is no moment of the database's: it stays an
    error with its traceback, never a 503 inviting the caller to send it again."""

    def missing_table(uow: Any) -> None:
        raise OperationalError(
            "INSERT INTO accreditations",
            {},
            driver_error("no such table: accreditations", sqlite3.SQLITE_ERROR, "SQLITE_ERROR"),
        )

    failing_after_the_writes(monkeypatch, missing_table)
    line = next(x for x in scene.lines if open_today(x))
    with pytest.raises(OperationalError, match="no such table"):
        scene.counter.post("/api/v1/rights/checks", json=card(line))


def test_no_pooled_connection_free_answers_503_with_a_spread_retry(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(uow: Any) -> None:
        raise PoolTimeout("QueuePool limit of size 16 overflow 24 reached")

    line = next(x for x in scene.lines if open_today(x))
    failing_after_the_writes(monkeypatch, exhausted)
    answer = scene.counter.post("/api/v1/rights/checks", json=card(line))
    assert answer.status_code == 503
    assert 2 <= int(answer.headers["retry-after"]) <= 6


def test_a_connection_lost_under_a_driver_level_read_reads_as_transient(
    postgres_url: str,
) -> None:
    """The hot paths' reads run on the driver (`db.bulk`), outside Core's disconnect
    handling: their errors carry `connection_invalidated` all the same."""
    engine = make_engine(postgres_url)
    connection = engine.connect()
    try:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _cut(postgres_url, [pid])
        with pytest.raises(DBAPIError) as raised:
            read(connection, select(literal(1)), {})
        assert raised.value.connection_invalidated
        assert is_transient(raised.value)
    finally:
        connection.invalidate()
        connection.close()
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_error_leaving_a_unit_of_work_is_the_one_that_happened(
    platform: Platform, postgres_url: str
) -> None:
    """Its end rolls back on the connection the server cut, which fails too: that echo
    must not replace the error the block met."""

    def cut_then_read() -> None:
        with platform.uow() as uow:
            connection = uow.connection()
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _cut(postgres_url, [pid])
            read(connection, select(literal(1)), {})

    with pytest.raises(DBAPIError) as raised:
        cut_then_read()
    assert raised.value.statement is not None
    assert "SELECT" in raised.value.statement
    assert is_transient(raised.value)
