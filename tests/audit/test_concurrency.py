"""Several workers appending while the sequencer seals: one consistent log (PostgreSQL,
where commits really interleave)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from rempart.audit.checkpoints import InMemoryCheckpointStore, issue_checkpoint
from rempart.audit.models import AuditRecordRow
from rempart.audit.recorder import record
from rempart.audit.sequencer import seal
from rempart.audit.verification import verify
from rempart.bootstrap import Platform, open_platform
from rempart.db.locks import OperationInProgress
from rempart.kernel.clock import FixedClock
from tests.audit.support import event_for
from tests.conftest import make_settings, write_keys

WORKERS = 4
TRANSACTIONS = 25  # per worker, each with one or two records


@pytest.fixture
def postgres_platform(tmp_path: Path, postgres_url: str, clock: FixedClock) -> Iterator[Platform]:
    home = tmp_path / "home"
    write_keys(home)
    opened = open_platform(make_settings(home, postgres_url), clock=clock, migrate=True)
    yield opened
    opened.close()


def test_concurrent_appenders_and_a_sealer_make_one_gapless_log(
    postgres_platform: Platform,
) -> None:
    platform = postgres_platform
    committed: list[list[object]] = [[] for _ in range(WORKERS)]
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            for transaction in range(TRANSACTIONS):
                with platform.uow() as uow:
                    ids = [
                        record(uow, event_for(platform, number * 1000 + transaction * 2 + k))
                        for k in range(1 + transaction % 2)
                    ]
                    if transaction % 7 == 3:
                        continue  # rolled back: these must never be sequenced
                    uow.commit()
                committed[number].extend(ids)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    store = InMemoryCheckpointStore()
    done = threading.Event()

    def sealer() -> None:
        try:
            while not done.is_set():
                seal(uow=platform.uow(), batch_size=7)
                issue_checkpoint(uow=platform.uow(), store=store, batch_size=7)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    sealing = threading.Thread(target=sealer)
    sealing.start()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    sealing.join()
    assert errors == []
    issue_checkpoint(uow=platform.uow(), store=store)

    expected = {record_id for ids in committed for record_id in ids}
    with platform.uow() as uow:
        rows = uow.session.execute(select(AuditRecordRow.id, AuditRecordRow.leaf_index)).all()
    assert {record_id for record_id, _ in rows} == expected
    assert sorted(index for _, index in rows) == list(range(len(expected)))
    report = verify(uow=platform.uow(), store=store)
    assert report.ok, report.findings


def test_a_second_sealer_is_refused_while_one_runs(postgres_platform: Platform) -> None:
    platform = postgres_platform
    uow = platform.uow()
    with (
        uow.exclusive("audit-sequencer", what="audit log sealing"),
        pytest.raises(OperationInProgress),
    ):
        seal(uow=platform.uow())
