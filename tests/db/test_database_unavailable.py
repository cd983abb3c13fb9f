"""A database that cannot do its part this time (the server cut the connection mid-request,
a writer held the SQLite file past the busy timeout, no pooled connection free) answers
503 with Retry-After, as a problem, keeps nothing of the request, logs no value, and the
next request is served."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from rempart.audit.models import AuditRecordRow
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


def failing_after_the_lookup(
    monkeypatch: pytest.MonkeyPatch, failure: Callable[[Any], None]
) -> None:
    """The check's card read succeeds, then `failure(uow)` strikes before the writes."""
    real = service.card_rights

    def card_rights(**kwargs: Any) -> Any:
        found = real(**kwargs)
        failure(kwargs["uow"])
        return found

    monkeypatch.setattr(service, "card_rights", card_rights)


def cut_own_connection(database_url: str) -> Callable[[Any], None]:
    def failure(uow: Any) -> None:
        connection = uow.connection()
        if connection.dialect.name == "sqlite":
            # What the gate meets when another process holds the file past the timeout.
            raise OperationalError(
                "INSERT INTO accreditations", {}, sqlite3.OperationalError("database is locked")
            )
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
        failing_after_the_lookup(patch, cut_own_connection(database_url))
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


def test_no_pooled_connection_free_answers_503(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(uow: Any) -> None:
        raise PoolTimeout("QueuePool limit of size 16 overflow 24 reached")

    line = next(x for x in scene.lines if open_today(x))
    failing_after_the_lookup(monkeypatch, exhausted)
    answer = scene.counter.post("/api/v1/rights/checks", json=card(line))
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "1")
