"""What an import refuses so that a mistake costs nothing: a report written over the
input, statements from the future, a snapshot that would close people whose line failed,
an empty file, and resuming a run under another date."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rempart.bootstrap import Platform
from rempart.db.locks import OperationInProgress
from rempart.kernel.errors import Conflict, InvalidInput
from rempart.registry import service
from rempart.registry.rights_file import COLUMNS, FileFormatError, RejectionCode

from ..conftest import TODAY
from .test_import import (
    Killed,
    csv_line,
    fields,
    insurer_with_most,
    kill_after,
    lines,
    read_report,
    run_import,
    view,
    write_file,
)


def test_the_report_cannot_overwrite_the_input(
    sqlite_registered: Platform,
    tmp_path: Path,
) -> None:
    path = write_file(tmp_path / "rights.csv", list(lines())[:5])
    content = path.read_bytes()
    with pytest.raises(InvalidInput, match="over the file imported"):
        service.import_rights_file(uow=sqlite_registered.uow(), path=path, report_path=path)
    other = tmp_path / "notes.txt"
    other.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="another file"):
        service.import_rights_file(uow=sqlite_registered.uow(), path=path, report_path=other)
    assert path.read_bytes() == content
    assert other.read_text(encoding="utf-8") == "keep me\n"
    assert service.count_rows(uow=sqlite_registered.uow())["beneficiaries"] == 0


def test_a_statement_from_the_future_is_rejected(
    sqlite_registered: Platform,
    tmp_path: Path,
) -> None:
    first, second = list(lines())[:2]
    future = dataclasses.replace(second, as_of=TODAY + timedelta(days=400))
    outcome = run_import(sqlite_registered, write_file(tmp_path / "f.csv", [first, future]))
    assert (outcome.created, outcome.rejected) == (1, 1)
    assert read_report(outcome.report)[3] == (
        RejectionCode.INVALID_FIELD.value,
        "as_of",
        "as_of is in the future",
    )


def test_a_snapshot_with_a_line_that_failed_closes_nobody(
    sqlite_registered: Platform,
    tmp_path: Path,
) -> None:
    amc = insurer_with_most(lines())
    mine = [s for s in lines() if s.amc_number == amc]
    run_import(sqlite_registered, write_file(tmp_path / "all.csv", mine))
    # The next snapshot omits mine[0] and cites an unknown contract for mine[1].
    snapshot = tmp_path / "snap.csv"
    snapshot.write_bytes(
        (",".join(COLUMNS) + "\n").encode()
        + csv_line(fields(mine[1], contract_code="GONE"))
        + b"".join(csv_line(s) for s in mine[2:])
    )
    outcome = run_import(sqlite_registered, snapshot, snapshot=True)
    assert outcome.rejected == 1
    assert outcome.snapshot_blocked == 1
    assert outcome.closed == 0
    for statement in mine[:2]:
        kept = view(sqlite_registered, statement)
        assert kept is not None
        assert kept["closed_reason"] is None


def test_a_file_without_lines_is_refused(
    sqlite_registered: Platform,
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="no lines"):
        service.import_rights_file(uow=sqlite_registered.uow(), path=empty)


def test_a_killed_run_resumes_the_next_day_with_its_own_date(
    sqlite_registered: Platform,
    tmp_path: Path,
) -> None:
    path = write_file(tmp_path / "rights.csv", list(lines())[:60])
    uow = sqlite_registered.uow
    with pytest.raises(Killed):
        service.import_rights_file(uow=uow(), path=path, batch_size=20, on_progress=kill_after(1))
    clock = sqlite_registered.clock
    clock.set(datetime.combine(TODAY + timedelta(days=1), datetime.min.time(), UTC))  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="rerun with that --as-of"):
        service.import_rights_file(uow=uow(), path=path, as_of=TODAY + timedelta(days=1))
    resumed = service.import_rights_file(uow=uow(), path=path, batch_size=20)
    assert resumed.resumed
    assert resumed.created == 60


def test_a_second_import_while_one_runs_is_refused(registered: Platform, tmp_path: Path) -> None:
    """On both backends: the import lock is held across processes (advisory lock on
    PostgreSQL, file lock beside the SQLite file)."""
    path = write_file(tmp_path / "rights.csv", list(lines())[:5])
    with (
        registered.uow().exclusive("rights-import", what="a rights-file import"),
        pytest.raises(OperationInProgress, match="already running"),
    ):
        service.import_rights_file(uow=registered.uow(), path=path)
    assert service.import_rights_file(uow=registered.uow(), path=path).created == 5


def test_an_unfinished_snapshot_must_be_completed_before_another_import(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    amc = insurer_with_most(lines())
    mine = [s for s in lines() if s.amc_number == amc]
    snapshot = write_file(tmp_path / "snap.csv", mine)
    with pytest.raises(Killed):
        service.import_rights_file(
            uow=sqlite_registered.uow(),
            path=snapshot,
            snapshot=True,
            batch_size=5,
            on_progress=kill_after(1),
        )
    delta = write_file(tmp_path / "delta.csv", mine[:3])
    with pytest.raises(Conflict, match="unfinished snapshot import"):
        service.import_rights_file(uow=sqlite_registered.uow(), path=delta)
    finished = service.import_rights_file(
        uow=sqlite_registered.uow(), path=snapshot, snapshot=True, batch_size=5
    )
    assert finished.resumed
    assert service.import_rights_file(uow=sqlite_registered.uow(), path=delta).unchanged == 3


def test_a_snapshot_closes_nobody_stated_after_its_date_and_dates_those_it_closes(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    amc = insurer_with_most(lines())
    mine = [s for s in lines() if s.amc_number == amc]
    run_import(sqlite_registered, write_file(tmp_path / "all.csv", mine))
    recent = dataclasses.replace(mine[0], as_of=TODAY + timedelta(days=1))
    run_import(sqlite_registered, write_file(tmp_path / "recent.csv", [recent]), as_of=recent.as_of)
    # A snapshot dated today, without mine[0] (stated tomorrow) nor mine[1].
    snapshot = write_file(tmp_path / "snap.csv", mine[2:])
    outcome = run_import(sqlite_registered, snapshot, snapshot=True, as_of=TODAY)
    assert outcome.closed == 1
    kept, closed = view(sqlite_registered, recent), view(sqlite_registered, mine[1])
    assert kept is not None
    assert closed is not None
    assert kept["closed_reason"] is None
    assert closed["closed_reason"] == service.SNAPSHOT_REASON
    assert closed["rights_as_of"] == TODAY
    # A late line older than the snapshot does not reopen them.
    late = dataclasses.replace(mine[1], as_of=TODAY - timedelta(days=3))
    again = run_import(sqlite_registered, write_file(tmp_path / "late.csv", [late]))
    assert read_report(again.report)[2][0] == RejectionCode.STALE.value


@pytest.mark.parametrize(
    "line", [b"[" * 100_000 + b"]" * 100_000, b'{"birth_rank": ' + b"9" * 5000 + b"}"]
)
def test_hostile_json_lines_are_rejected_not_fatal(
    sqlite_registered: Platform, tmp_path: Path, line: bytes
) -> None:
    path = tmp_path / "hostile.jsonl"
    good = lines()[0]
    write_file(tmp_path / "good.jsonl", [good])
    path.write_bytes(line + b"\n" + (tmp_path / "good.jsonl").read_bytes())
    outcome = service.import_rights_file(uow=sqlite_registered.uow(), path=path)
    assert (outcome.created, outcome.rejected) == (1, 1)
    assert read_report(outcome.report)[1][0] == RejectionCode.SYNTAX.value
