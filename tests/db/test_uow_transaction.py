"""One transaction per unit of work, whichever way its statements run: on the driver
(`db.bulk`, the hot paths), through Core, or through the ORM session, which is made only
when asked for and shares the connection."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from rempart.audit.domain import AuditTag
from rempart.audit.trail import record_action
from rempart.bootstrap import Platform

from .test_engine import _cut
from .test_uow import accounts, add_account, audit_records


def on_the_driver(uow: Any) -> None:
    """An audit record: written with `db.bulk`, which Core never sees."""
    record_action(uow, tag=AuditTag.RIGHTS_CHECK_REFUSED, target_amc="123456789")


def test_what_ran_on_the_driver_alone_is_committed(platform: Platform) -> None:
    before = audit_records(platform)
    with platform.uow() as uow:
        on_the_driver(uow)
        uow.commit()
    assert audit_records(platform) == before + 1


def test_a_session_asked_for_but_unused_does_not_swallow_the_commit(
    platform: Platform,
) -> None:
    """The session takes the connection's transaction over at its first statement: one
    that ran none must leave the commit to the connection."""
    before = audit_records(platform)
    with platform.uow() as uow:
        assert uow.session is uow.session  # made once
        on_the_driver(uow)
        uow.commit()
    assert audit_records(platform) == before + 1


@pytest.mark.parametrize("session_first", [True, False], ids=["session first", "driver first"])
def test_the_driver_and_the_session_share_one_transaction(
    platform: Platform, session_first: bool
) -> None:
    records, people = audit_records(platform), accounts(platform)
    with platform.uow() as uow:
        if session_first:
            add_account(uow, "first@example.org")
            uow.session.flush()
            on_the_driver(uow)
        else:
            on_the_driver(uow)
            add_account(uow, "first@example.org")
        # left without a commit: neither write may survive
    assert (audit_records(platform), accounts(platform)) == (records, people)

    with platform.uow() as uow:
        on_the_driver(uow)
        add_account(uow, "second@example.org")
        uow.commit()
    assert (audit_records(platform), accounts(platform)) == (records + 1, people + 1)


def test_work_after_a_commit_is_a_new_transaction(platform: Platform) -> None:
    records, people = audit_records(platform), accounts(platform)
    with platform.uow() as uow:
        add_account(uow, "batch-one@example.org")
        on_the_driver(uow)
        uow.commit()
        add_account(uow, "batch-two@example.org")
        on_the_driver(uow)
        uow.commit()
        on_the_driver(uow)
        add_account(uow, "never@example.org")
        uow.rollback()
        on_the_driver(uow)  # begun after the rollback, then abandoned
    assert (audit_records(platform), accounts(platform)) == (records + 2, people + 2)


def test_a_unit_of_work_that_never_asks_for_its_session_makes_none(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What keeps a rights check from paying for an ORM session it has no use for."""
    uow = platform.uow()
    made: list[object] = []
    factory = uow._session_factory

    def counted(**kwargs: Any) -> Any:
        made.append(kwargs)
        return factory(**kwargs)

    monkeypatch.setattr(uow, "_session_factory", counted)
    with uow:
        on_the_driver(uow)
        uow.commit()
    assert made == []
    with uow:
        uow.session.flush()
    assert len(made) == 1


def test_a_unit_of_work_cannot_be_used_outside_its_block(platform: Platform) -> None:
    uow = platform.uow()
    with pytest.raises(RuntimeError, match="outside its with block"):
        uow.connection()
    with uow:
        uow.connection()
    with pytest.raises(RuntimeError, match="outside its with block"):
        _ = uow.session


def test_a_unit_of_work_opens_one_block_at_a_time(platform: Platform) -> None:
    before = audit_records(platform)
    with platform.uow() as uow:
        on_the_driver(uow)
        with pytest.raises(RuntimeError, match="already open"), uow:
            pass
        uow.commit()  # the outer block's transaction is intact
    assert audit_records(platform) == before + 1
    with uow:  # and the object opens again once its block ended
        uow.connection()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_batch_after_the_server_cut_the_kept_connection_still_commits(
    platform: Platform, postgres_url: str
) -> None:
    """A long use case commits batch after batch on the connection it keeps: a server
    restart between two batches costs nothing (the pool's ping at checkout does the
    same for every new unit of work)."""
    before = audit_records(platform)
    with platform.uow() as uow:
        on_the_driver(uow)
        uow.commit()
        pid = uow.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()
        uow.rollback()
        _cut(postgres_url, [pid])
        on_the_driver(uow)
        add_account(uow, "after-the-cut@example.org")
        uow.commit()
    assert audit_records(platform) == before + 2
