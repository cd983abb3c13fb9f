"""Importing insurers' rights files into the registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from rempart.bootstrap import Platform
from rempart.kernel.clock import FixedClock
from rempart.registry import imports, service
from rempart.registry.domain import (
    BeneficiaryStatement,
    InsurerStatus,
    Relationship,
    RightsPeriod,
    RightsStatus,
)
from rempart.registry.models import ImportRunRow
from rempart.registry.repository import RegistryRepository
from rempart.registry.rights_file import (
    COLUMNS,
    FileFormatError,
    RejectionCode,
    statement_row,
)
from rempart.registry.service import ImportOutcome, Progress

from ..conftest import TODAY
from ..factories import card_of as card
from ..factories import write_file
from .support import SIZE, fresh_sqlite, lines, world


def run_import(
    platform: Platform,
    path: Path,
    *,
    batch_size: int = 500,
    as_of: date = TODAY,
    snapshot: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> ImportOutcome:
    extra: dict[str, Any] = {} if on_progress is None else {"on_progress": on_progress}
    # A file dated later is imported on that later day: statements from the future are
    # refused, so time moves on with the files.
    assert isinstance(platform.clock, FixedClock)
    if as_of > platform.clock.today():
        platform.clock.set(datetime.combine(as_of, time(9, 30), tzinfo=UTC))
    return service.import_rights_file(
        uow=platform.uow(),
        path=path,
        as_of=as_of,
        snapshot=snapshot,
        report_path=path.with_name(path.name + ".report.csv"),
        batch_size=batch_size,
        **extra,
    )


def views(platform: Platform, of: Sequence[BeneficiaryStatement]) -> list[dict[str, Any] | None]:
    """The registry's decrypted content for each card tuple, without the rows' ids."""
    found: list[dict[str, Any] | None] = []
    with platform.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        for statement in of:
            beneficiary_id = repository.find_beneficiary_id(**card(statement))
            if beneficiary_id is None:
                found.append(None)
                continue
            loaded = repository.load_beneficiary(beneficiary_id)
            found.append(
                {
                    f.name: getattr(loaded, f.name)
                    for f in dataclasses.fields(loaded)
                    if f.name != "id"
                }
            )
    return found


def view(platform: Platform, statement: BeneficiaryStatement) -> dict[str, Any] | None:
    return views(platform, [statement])[0]


def expected_view(statement: BeneficiaryStatement, **changes: Any) -> dict[str, Any]:
    content = {
        "amc_number": statement.amc_number,
        "member_number": statement.member_number,
        "contract_code": statement.contract_code,
        "insured_nir": statement.insured_nir,
        "beneficiary_nir": statement.beneficiary_nir,
        "birth_date": statement.birth_date,
        "birth_rank": statement.birth_rank,
        "relationship": statement.relationship,
        "last_name": statement.last_name,
        "first_name": statement.first_name,
        "rights": tuple(sorted(statement.rights, key=lambda p: p.start)),
        "rights_as_of": statement.as_of,
        "closed_reason": None,
    }
    content.update(changes)
    return content


def read_report(path: Path | None) -> dict[int, tuple[str, str, str]]:
    assert path is not None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "code", "field", "message"]
    return {int(line): (code, field, message) for line, code, field, message in rows[1:]}


def counts(platform: Platform) -> dict[str, int]:
    return service.count_rows(uow=platform.uow())


def import_runs(platform: Platform) -> int:
    with platform.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(ImportRunRow)) or 0


def csv_line(values: dict[str, Any] | BeneficiaryStatement) -> bytes:
    if isinstance(values, BeneficiaryStatement):
        values = dict(zip(COLUMNS, statement_row(values), strict=True))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([values[c] for c in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def fields(statement: BeneficiaryStatement, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(zip(COLUMNS, statement_row(statement), strict=True))
    values.update(changes)
    return values


def latin1(line: bytes) -> bytes:
    """The line as a Latin-1 export would write its accented letters: not UTF-8."""
    return line.decode("utf-8").encode("latin-1")


def bad_key(nir: str) -> str:
    return nir[:13] + f"{int(nir[13:]) % 97 + 1:02d}"


def insurer_with_most(of: Sequence[BeneficiaryStatement]) -> str:
    numbers = [s.amc_number for s in of]
    return max(set(numbers), key=numbers.count)


def period_count(of: Sequence[BeneficiaryStatement]) -> int:
    return sum(len(s.rights) for s in of)


# --- a clean import, and the same again ------------------------------------------------------


@pytest.mark.usefixtures("preparation")
def test_import_then_the_same_file_again_changes_nothing(
    registered: Platform, tmp_path: Path
) -> None:
    path = write_file(tmp_path / "rights.csv", lines())
    before = counts(registered)
    first = run_import(registered, path, batch_size=50)
    assert (first.lines, first.created, first.updated, first.unchanged) == (SIZE, SIZE, 0, 0)
    assert (first.rejected, first.closed, first.resumed, first.report) == (0, 0, False, None)
    assert first.exit_code == 0
    after = counts(registered)
    assert after["beneficiaries"] == before["beneficiaries"] + SIZE
    assert after["rights_periods"] == period_count(lines())
    assert after["members"] == len({(s.amc_number, s.member_number) for s in lines()})
    content = views(registered, lines())
    assert content == [expected_view(s) for s in lines()]

    second = run_import(registered, path, batch_size=50)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, SIZE, 0)
    assert second.exit_code == 0
    assert second.run_id != first.run_id
    assert counts(registered) == after
    assert views(registered, lines()) == content


@pytest.mark.usefixtures("preparation")
def test_csv_and_jsonl_state_the_same_registry(sqlite_registered: Platform, tmp_path: Path) -> None:
    jsonl = run_import(sqlite_registered, write_file(tmp_path / "rights.jsonl", lines()))
    assert (jsonl.created, jsonl.rejected) == (SIZE, 0)
    after = counts(sqlite_registered)
    again = run_import(sqlite_registered, write_file(tmp_path / "rights.csv", lines()))
    assert (again.unchanged, again.rejected) == (SIZE, 0)
    assert counts(sqlite_registered) == after


def test_a_restatement_with_only_a_later_date_is_unchanged(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    run_import(sqlite_registered, write_file(tmp_path / "a.csv", lines()))
    after = counts(sqlite_registered)
    later = TODAY + timedelta(days=7)
    restated = [dataclasses.replace(s, as_of=later) for s in lines()]
    outcome = run_import(sqlite_registered, write_file(tmp_path / "b.csv", restated), as_of=later)
    assert (outcome.unchanged, outcome.updated, outcome.exit_code) == (SIZE, 0, 0)
    assert counts(sqlite_registered) == after
    assert views(sqlite_registered, lines()[:5]) == [
        expected_view(s, rights_as_of=later) for s in lines()[:5]
    ]


# --- newer and older files ---------------------------------------------------------------------


def changed_rights(statement: BeneficiaryStatement, as_of: date) -> BeneficiaryStatement:
    """The insurer ends the current rights at the end of the month and opens new ones."""
    return dataclasses.replace(
        statement,
        as_of=as_of,
        rights=(
            RightsPeriod(date(2019, 1, 1), date(2026, 12, 31)),
            RightsPeriod(date(2027, 1, 1), None, RightsStatus.SUSPENDED),
        ),
    )


@pytest.mark.usefixtures("preparation")
def test_a_newer_file_updates_rights_periods(registered: Platform, tmp_path: Path) -> None:
    run_import(registered, write_file(tmp_path / "a.csv", lines()), batch_size=40)
    later = TODAY + timedelta(days=30)
    newer = [
        changed_rights(s, later) if i % 3 == 0 else dataclasses.replace(s, as_of=later)
        for i, s in enumerate(lines())
    ]
    changed = len(range(0, SIZE, 3))
    outcome = run_import(
        registered, write_file(tmp_path / "b.csv", newer), as_of=later, batch_size=40
    )
    assert (outcome.updated, outcome.unchanged, outcome.created) == (changed, SIZE - changed, 0)
    assert outcome.exit_code == 0
    assert counts(registered)["rights_periods"] == period_count(newer)
    assert views(registered, newer) == [expected_view(s) for s in newer]

    # The same newer file again: nothing to do.
    again = run_import(registered, write_file(tmp_path / "c.csv", newer), as_of=later)
    assert (again.unchanged, again.updated) == (SIZE, 0)


@pytest.mark.usefixtures("preparation")
def test_an_older_statement_than_the_stored_one_is_stale(
    registered: Platform, tmp_path: Path
) -> None:
    later = TODAY + timedelta(days=30)
    newer = [changed_rights(s, later) for s in lines()]
    run_import(registered, write_file(tmp_path / "new.csv", newer), as_of=later)
    after = counts(registered)
    outcome = run_import(registered, write_file(tmp_path / "old.csv", lines()))
    assert (outcome.rejected, outcome.imported, outcome.exit_code) == (SIZE, 0, 1)
    report = read_report(outcome.report)
    assert sorted(report) == list(range(2, SIZE + 2))
    assert {(code, field) for code, field, _ in report.values()} == {
        (RejectionCode.STALE.value, "as_of")
    }
    assert counts(registered) == after
    assert views(registered, newer) == [expected_view(s) for s in newer]


# --- snapshots --------------------------------------------------------------------------------


@pytest.mark.usefixtures("preparation")
def test_snapshot_closes_absent_beneficiaries_of_the_files_insurers_only(
    registered: Platform, tmp_path: Path
) -> None:
    amc = insurer_with_most(lines())
    mine = [s for s in lines() if s.amc_number == amc]
    others = [s for s in lines() if s.amc_number != amc]
    assert len(mine) >= 4
    assert others
    # Absent from the snapshot: one whose rights span its date, one with rights to come,
    # one whose rights ended long ago.
    spanning = dataclasses.replace(
        mine[0],
        rights=(
            RightsPeriod(date(2020, 1, 1), date(2020, 12, 31)),
            RightsPeriod(date(2021, 1, 1), None, RightsStatus.SUSPENDED),
        ),
    )
    future = dataclasses.replace(
        mine[1],
        rights=(
            RightsPeriod(date(2022, 1, 1), date(2026, 12, 31)),
            RightsPeriod(date(2027, 1, 1), date(2027, 12, 31)),
        ),
    )
    ended = dataclasses.replace(
        mine[2], rights=(RightsPeriod(date(2019, 1, 1), date(2019, 6, 30)),)
    )
    present = mine[3:]
    everyone = [spanning, future, ended, *present, *others]
    run_import(registered, write_file(tmp_path / "all.csv", everyone))
    others_before = views(registered, others)
    after_first = counts(registered)

    as_of = date(2026, 12, 5)
    snapshot_lines = [dataclasses.replace(s, as_of=as_of) for s in present]
    path = write_file(tmp_path / "snapshot.csv", snapshot_lines)
    outcome = run_import(registered, path, snapshot=True, as_of=as_of, batch_size=7)
    assert (outcome.unchanged, outcome.rejected, outcome.closed) == (len(present), 0, 2)
    assert outcome.exit_code == 0
    day_before = date(2026, 12, 4)
    reason = service.SNAPSHOT_REASON
    assert reason == "absent-from-snapshot"
    assert view(registered, spanning) == expected_view(
        spanning,
        rights=(
            RightsPeriod(date(2020, 1, 1), date(2020, 12, 31)),
            RightsPeriod(date(2021, 1, 1), day_before, RightsStatus.SUSPENDED),
        ),
        closed_reason=reason,
        rights_as_of=as_of,  # dated by the snapshot: an older late line cannot reopen
    )
    assert view(registered, future) == expected_view(
        future,
        rights=(
            RightsPeriod(date(2022, 1, 1), day_before),
            RightsPeriod(date(2027, 1, 1), date(2027, 12, 31), RightsStatus.CLOSED),
        ),
        closed_reason=reason,
        rights_as_of=as_of,
    )
    assert view(registered, ended) == expected_view(ended, closed_reason=reason, rights_as_of=as_of)
    assert views(registered, present) == [expected_view(s) for s in snapshot_lines]
    assert views(registered, others) == others_before
    assert counts(registered) == after_first

    # The same snapshot again changes nothing.
    content = views(registered, everyone)
    again = run_import(registered, path, snapshot=True, as_of=as_of, batch_size=7)
    assert (again.unchanged, again.rejected) == (len(present), 0)
    assert views(registered, everyone) == content
    assert counts(registered) == after_first


def test_restating_a_beneficiary_closed_by_a_snapshot_reopens_their_rights(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    amc = insurer_with_most(lines())
    mine = [s for s in lines() if s.amc_number == amc]
    absent = dataclasses.replace(mine[0], rights=(RightsPeriod(date(2021, 1, 1), None),))
    run_import(sqlite_registered, write_file(tmp_path / "all.csv", [absent, *mine[1:]]))
    as_of = date(2026, 12, 5)
    run_import(
        sqlite_registered,
        write_file(tmp_path / "snap.csv", [dataclasses.replace(s, as_of=as_of) for s in mine[1:]]),
        snapshot=True,
        as_of=as_of,
    )
    closed = view(sqlite_registered, absent)
    assert closed is not None
    assert closed["rights"] == (RightsPeriod(date(2021, 1, 1), date(2026, 12, 4)),)

    back = dataclasses.replace(absent, as_of=date(2026, 12, 10))
    outcome = run_import(
        sqlite_registered, write_file(tmp_path / "back.csv", [back]), as_of=back.as_of
    )
    assert (outcome.updated, outcome.unchanged) == (1, 0)
    assert view(sqlite_registered, back) == expected_view(back)


def test_snapshot_does_not_close_a_beneficiary_whose_line_is_stale(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    amc = insurer_with_most(lines())
    mine = [s for s in lines() if s.amc_number == amc]
    run_import(sqlite_registered, write_file(tmp_path / "all.csv", mine))
    newer = changed_rights(mine[0], TODAY + timedelta(days=30))
    run_import(sqlite_registered, write_file(tmp_path / "newer.csv", [newer]), as_of=newer.as_of)

    as_of = TODAY + timedelta(days=7)
    snapshot_lines = [dataclasses.replace(s, as_of=as_of) for s in mine]
    outcome = run_import(
        sqlite_registered,
        write_file(tmp_path / "snap.csv", snapshot_lines),
        snapshot=True,
        as_of=as_of,
    )
    assert outcome.rejected == 1
    assert read_report(outcome.report)[2][0] == RejectionCode.STALE.value
    assert outcome.closed == 0
    assert view(sqlite_registered, newer) == expected_view(newer)


# --- a killed import, rerun ------------------------------------------------------------------


class Killed(Exception):
    pass


def kill_after(batches: int) -> Callable[[Progress], None]:
    calls = 0

    def on_progress(progress: Progress) -> None:
        nonlocal calls
        calls += 1
        if calls == batches:
            raise Killed

    return on_progress


def awkward_file(path: Path) -> tuple[Path, list[BeneficiaryStatement]]:
    """Valid lines, with rejections and duplicates within and across batches of 20."""
    valid = list(lines())
    chunks: list[bytes] = [(",".join(COLUMNS) + "\n").encode()]
    for position, statement in enumerate(valid):
        chunks.append(csv_line(statement))
        if position == 5:
            chunks.append(csv_line(fields(statement, birth_rank="0")))
        if position == 8:
            chunks.append(csv_line(valid[7]))  # duplicate in the same batch
        if position == 30:
            chunks.append(csv_line(valid[2]))  # duplicate across batches
        if position == 50:
            chunks.append(b"\xff\xfe not utf-8\n")
    path.write_bytes(b"".join(chunks))
    return path, valid


def outcome_numbers(outcome: ImportOutcome) -> tuple[int, ...]:
    return (
        outcome.lines,
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        outcome.rejected,
        outcome.closed,
    )


@pytest.mark.usefixtures("preparation")
def test_a_killed_import_rerun_ends_as_one_clean_run(
    registered: Platform, tmp_path: Path, template: Path
) -> None:
    killed_and_rerun(registered, tmp_path, template, batches=2)


@pytest.mark.parametrize("batches", [1, -1], ids=["after-1", "after-last"])
def test_a_killed_import_rerun_at_other_points(
    sqlite_registered: Platform, tmp_path: Path, template: Path, batches: int
) -> None:
    killed_and_rerun(sqlite_registered, tmp_path, template, batches=batches)


def killed_and_rerun(registered: Platform, tmp_path: Path, template: Path, *, batches: int) -> None:
    """Kill after `batches` committed batches (-1: after the last), rerun, and compare with
    one clean run into another platform."""
    path, valid = awkward_file(tmp_path / "rights.csv")
    # on_progress runs after each full batch of 20 lines, then once after the last line.
    kill_at = (SIZE + 4) // 20 + 1 if batches == -1 else batches
    with pytest.raises(Killed):
        run_import(registered, path, batch_size=20, on_progress=kill_after(kill_at))
    if batches != -1:
        assert counts(registered)["beneficiaries"] < SIZE
    resumed = run_import(registered, path, batch_size=20)
    assert resumed.resumed

    with fresh_sqlite(template, tmp_path / "clean") as clean:
        clean_path, _ = awkward_file(tmp_path / "clean" / "rights.csv")
        single = run_import(clean, clean_path, batch_size=20)
        assert not single.resumed
        assert outcome_numbers(resumed) == outcome_numbers(single)
        assert (single.created, single.rejected, single.exit_code) == (SIZE, 4, 2)
        assert counts(registered) == counts(clean)
        assert views(registered, valid) == views(clean, valid)
        assert read_report(resumed.report) == read_report(single.report)
    assert views(registered, valid) == [expected_view(s) for s in valid]

    # And a third run of the same file is a fresh, all-unchanged run.
    third = run_import(registered, path, batch_size=20)
    assert not third.resumed
    assert (third.unchanged, third.rejected) == (SIZE, 4)


def test_a_killed_snapshot_import_rerun_ends_as_one_clean_run(
    sqlite_registered: Platform, tmp_path: Path, template: Path
) -> None:
    as_of = TODAY + timedelta(days=10)
    amc = insurer_with_most(lines())
    newer = [
        changed_rights(s, as_of) if i % 4 == 0 else dataclasses.replace(s, as_of=as_of)
        for i, s in enumerate(lines())
        if i % 5 != 0 or s.amc_number != amc
    ]

    def prepare(platform: Platform, directory: Path) -> Path:
        directory.mkdir(exist_ok=True)
        run_import(platform, write_file(directory / "base.csv", lines()))
        return write_file(directory / "snapshot.csv", newer)

    path = prepare(sqlite_registered, tmp_path / "killed")
    with pytest.raises(Killed):
        run_import(
            sqlite_registered,
            path,
            batch_size=15,
            snapshot=True,
            as_of=as_of,
            on_progress=kill_after(2),
        )
    resumed = run_import(sqlite_registered, path, batch_size=15, snapshot=True, as_of=as_of)
    assert resumed.resumed
    assert resumed.closed > 0
    with fresh_sqlite(template, tmp_path / "clean") as clean:
        single = run_import(clean, prepare(clean, tmp_path / "clean"), snapshot=True, as_of=as_of)
        assert outcome_numbers(resumed) == outcome_numbers(single)
        assert counts(sqlite_registered) == counts(clean)
        assert views(sqlite_registered, lines()) == views(clean, lines())


# --- bad input, line by line -------------------------------------------------------------------


@pytest.mark.usefixtures("preparation")
def test_bad_lines_are_reported_by_number_and_the_rest_imported(
    registered: Platform, tmp_path: Path
) -> None:
    valid = list(lines()[:60])
    unknown_amc = "999999999"
    assert unknown_amc not in {i.amc_number for i in world().insurers}
    lunar = dataclasses.replace(valid[10], birth_date="19850000", birth_rank=3)
    no_nir = dataclasses.replace(valid[11], beneficiary_nir=None, birth_rank=4)
    base = valid[20]
    bad: list[tuple[bytes, str | None, str | None]] = [
        (
            csv_line(fields(base, insured_nir=bad_key(base.insured_nir))),
            "I-INVALID-FIELD",
            "insured_nir",
        ),
        (csv_line(fields(base, amc_number=unknown_amc)), "I-UNKNOWN-AMC", "amc_number"),
        (csv_line(fields(base, contract_code="NOSUCH")), "I-UNKNOWN-CONTRACT", "contract_code"),
        (csv_line(fields(base, birth_rank="0")), "I-INVALID-FIELD", "birth_rank"),
        (csv_line(fields(base, birth_rank="10")), "I-INVALID-FIELD", "birth_rank"),
        (csv_line(fields(base, birth_rank="x")), "I-INVALID-FIELD", "birth_rank"),
        (csv_line(fields(base, last_name="")), "I-MISSING-FIELD", "last_name"),
        (latin1(csv_line(fields(base, last_name="DÉSIRÉ"))), "I-ENCODING", None),
        (
            csv_line(fields(base, rights="2024-01-01/2024-12-31;2024-06-01/")),
            "I-RIGHTS-OVERLAP",
            "rights",
        ),
        (csv_line(fields(base)).rsplit(b",", 1)[0] + b"\n", "I-SYNTAX", None),
    ]
    # Layout: valid lines 2..61, then the bad ones, duplicates, lunar and no-NIR lines.
    chunks = [(",".join(COLUMNS) + "\n").encode(), *(csv_line(s) for s in valid)]
    expected: dict[int, tuple[str, str]] = {}
    for content, code, field in bad:
        chunks.append(content)
        expected[len(chunks)] = (code or "", field or "")
    chunks.append(csv_line(lunar))
    lunar_line = len(chunks)
    chunks.append(csv_line(no_nir))
    chunks.append(csv_line(lunar))  # duplicate within the last batch
    expected[len(chunks)] = ("I-DUPLICATE", "")
    chunks.append(csv_line(valid[0]))  # duplicate of line 2, batches before
    expected[len(chunks)] = ("I-DUPLICATE", "")
    path = tmp_path / "rights.csv"
    path.write_bytes(b"".join(chunks))

    outcome = run_import(registered, path, batch_size=10)
    assert outcome.exit_code == 2
    assert (outcome.created, outcome.rejected) == (len(valid) + 2, len(expected))
    assert outcome.lines == len(chunks) - 1
    report = read_report(outcome.report)
    assert {line: (code, field) for line, (code, field, _) in report.items()} == expected
    duplicates = [line for line, (code, _) in expected.items() if code == "I-DUPLICATE"]
    assert report[duplicates[0]][2].endswith(f"line {lunar_line}")
    assert report[duplicates[1]][2].endswith("line 2")

    text = outcome.report.read_text(encoding="utf-8") if outcome.report else ""
    for statement in [*valid, lunar, no_nir]:
        for value in (statement.insured_nir, statement.beneficiary_nir, statement.last_name):
            if value:
                assert value not in text
    assert bad_key(base.insured_nir) not in text

    assert view(registered, lunar) == expected_view(lunar)
    assert view(registered, no_nir) == expected_view(no_nir)
    assert views(registered, valid) == [expected_view(s) for s in valid]
    assert counts(registered)["beneficiaries"] == len(valid) + 2


@pytest.mark.usefixtures("preparation")
def test_bad_json_lines_are_reported_and_the_rest_imported(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    valid = list(lines()[:30])
    encoded = [json.dumps(fields(s)) for s in valid]
    encoded.insert(4, '{"amc_number": ')
    encoded.insert(9, "[1, 2, 3]")
    encoded.insert(12, json.dumps(fields(valid[0], birth_rank=0)))
    encoded.insert(15, json.dumps(fields(valid[1], rights=[{"start": "2024-02-30"}])))
    encoded.insert(20, json.dumps(fields(valid[2])))  # duplicate of line 3, same batch
    path = tmp_path / "rights.jsonl"
    path.write_text("\n".join(encoded) + "\n", encoding="utf-8")
    outcome = run_import(sqlite_registered, path, batch_size=100)
    report = read_report(outcome.report)
    assert {line: code for line, (code, _, _) in report.items()} == {
        5: "I-SYNTAX",
        10: "I-SYNTAX",
        13: "I-INVALID-FIELD",
        16: "I-INVALID-FIELD",
        21: "I-DUPLICATE",
    }
    assert report[21][2].endswith("line 3")
    assert (outcome.created, outcome.exit_code) == (len(valid), 2)
    assert views(sqlite_registered, valid) == [expected_view(s) for s in valid]


@pytest.mark.usefixtures("preparation")
def test_a_beneficiary_stated_three_times_across_batches(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    valid = list(lines()[:12])
    repeated = valid[1]
    older = dataclasses.replace(valid[2], as_of=TODAY - timedelta(days=1))
    chunks = [(",".join(COLUMNS) + "\n").encode(), *(csv_line(s) for s in valid)]
    chunks += [csv_line(repeated), csv_line(repeated)]  # lines 14, 15: second batch
    path = tmp_path / "rights.csv"
    path.write_bytes(b"".join(chunks))
    outcome = run_import(sqlite_registered, path, batch_size=10)
    report = read_report(outcome.report)
    assert {line: (code, message[-6:]) for line, (code, _, message) in report.items()} == {
        14: ("I-DUPLICATE", "line 3"),
        15: ("I-DUPLICATE", "line 3"),
    }
    assert outcome.created == len(valid)

    # Stale then newer for the same beneficiary in one batch: the second is the duplicate.
    chunks = [
        (",".join(COLUMNS) + "\n").encode(),
        csv_line(older),
        csv_line(dataclasses.replace(valid[2], as_of=TODAY + timedelta(days=1))),
    ]
    path = tmp_path / "again.csv"
    path.write_bytes(b"".join(chunks))
    outcome = run_import(sqlite_registered, path)
    report = read_report(outcome.report)
    assert {line: code for line, (code, _, _) in report.items()} == {
        2: "I-STALE",
        3: "I-DUPLICATE",
    }
    assert view(sqlite_registered, valid[2]) == expected_view(valid[2])


@pytest.mark.usefixtures("preparation")
def test_a_suspended_insurer_is_refused(sqlite_registered: Platform, tmp_path: Path) -> None:
    template = world().insurers[0]
    suspended = dataclasses.replace(
        template, amc_number="999999998", status=InsurerStatus.SUSPENDED
    )
    service.register_reference_data(uow=sqlite_registered.uow(), insurers=[suspended])
    line = dataclasses.replace(
        lines()[0], amc_number="999999998", contract_code=template.contracts[0].code
    )
    outcome = run_import(sqlite_registered, write_file(tmp_path / "r.csv", [line, *lines()[1:5]]))
    assert read_report(outcome.report) == {
        2: (RejectionCode.INSURER_SUSPENDED.value, "amc_number", "the insurer is suspended")
    }
    assert outcome.created == 4


def test_a_file_of_only_bad_lines_imports_nothing(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    before = counts(sqlite_registered)
    bad = [fields(s, birth_rank="x") for s in lines()[:5]]
    path = tmp_path / "bad.csv"
    path.write_bytes((",".join(COLUMNS) + "\n").encode() + b"".join(csv_line(r) for r in bad))
    outcome = run_import(sqlite_registered, path)
    assert (outcome.rejected, outcome.imported, outcome.exit_code) == (5, 0, 1)
    assert sorted(read_report(outcome.report)) == [2, 3, 4, 5, 6]
    assert counts(sqlite_registered) == before


def data_lines() -> bytes:
    return b"".join(csv_line(s) for s in lines()[:5])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", lambda: b""),
        ("empty.jsonl", lambda: b""),
        ("blank.jsonl", lambda: b"\n \n"),
        ("header.csv", lambda: b"amc_number,member_number,nir\n" + data_lines()),
        ("headerless.csv", data_lines),
    ],
)
def test_a_bad_header_or_an_empty_file_imports_nothing(
    sqlite_registered: Platform, tmp_path: Path, name: str, content: Callable[[], bytes]
) -> None:
    before = counts(sqlite_registered)
    path = tmp_path / name
    path.write_bytes(content())
    with pytest.raises(FileFormatError) as caught:
        run_import(sqlite_registered, path)
    for statement in lines()[:5]:
        assert statement.insured_nir not in str(caught.value)
    assert counts(sqlite_registered) == before
    assert import_runs(sqlite_registered) == 0
    assert not path.with_name(path.name + ".report.csv").exists()


def test_a_missing_file_is_a_file_format_error(sqlite_registered: Platform, tmp_path: Path) -> None:
    with pytest.raises(FileFormatError):
        run_import(sqlite_registered, tmp_path / "nowhere.csv")


@pytest.mark.usefixtures("preparation")
def test_progress_is_reported_in_bytes_up_to_the_whole_file(
    sqlite_registered: Platform, tmp_path: Path
) -> None:
    path = write_file(tmp_path / "rights.csv", lines())
    seen: list[Progress] = []
    run_import(sqlite_registered, path, batch_size=25, on_progress=seen.append)
    assert len(seen) >= SIZE // 25
    assert [p.bytes_read for p in seen] == sorted(p.bytes_read for p in seen)
    assert seen[-1].bytes_read == path.stat().st_size
    assert seen[-1].lines == SIZE + 1


# --- finding beneficiaries: the exact card tuple, nothing else ------------------------------


def test_lookup_needs_the_exact_card_tuple_and_twins_are_two_people(
    registered: Platform, tmp_path: Path
) -> None:
    cards = [card(s) for s in lines()]
    child, twin = next(
        (s, t)
        for s in lines()
        if s.relationship == Relationship.CHILD
        and card(t := dataclasses.replace(s, birth_rank=s.birth_rank + 1, first_name="Jumeau"))
        not in cards
    )
    run_import(registered, write_file(tmp_path / "rights.csv", [*lines(), twin]))
    with registered.uow() as uow:
        repository = RegistryRepository(uow.session, uow.vault)
        first = repository.find_beneficiary_id(**card(child))
        second = repository.find_beneficiary_id(**card(twin))
        assert first is not None
        assert second is not None
        assert first != second
        assert repository.load_beneficiary(second).first_name == "Jumeau"
        assert repository.load_beneficiary(first).first_name == child.first_name
        wrong_date = f"{int(child.birth_date[:4]) + 1}{child.birth_date[4:]}"
        for changes in (
            {"birth_date": wrong_date},
            {"birth_rank": child.birth_rank + 2},
            {"member_number": child.member_number + "0"},
            {"amc_number": "999999999"},
            {"insured_nir": bad_key(child.insured_nir)},
        ):
            assert repository.find_beneficiary_id(**{**card(child), **changes}) is None
    # Generator twins, where the stream has any, are distinct beneficiaries too.
    for statement in lines():
        if statement.birth_rank > 1:
            elder = dataclasses.replace(statement, birth_rank=statement.birth_rank - 1)
            if any(card(s) == card(elder) for s in lines()):
                assert view(registered, statement) != view(registered, elder)


def test_a_large_file_is_prepared_in_a_second_process(
    sqlite_registered: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the threshold, the lines reach the importer prepared and sealed by the second
    process, which the importer uses for the rows it creates."""
    sealed: list[int] = []
    real = imports.PreparingProcess.__iter__

    def counted(self: imports.PreparingProcess) -> Any:
        for fed in real(self):
            sealed.append(sum(line is not None for _, line in fed.prepared))
            yield fed

    monkeypatch.setattr(imports.PreparingProcess, "__iter__", counted)
    path = write_file(tmp_path / "rights.csv", lines())
    outcome = service.import_rights_file(
        uow=sqlite_registered.uow(), path=path, batch_size=50, second_process_from_bytes=0
    )
    assert sum(sealed) == len(lines()) == outcome.created
    assert views(sqlite_registered, lines()) == [expected_view(s) for s in lines()]
    # The same file again: every line known. The first two batches are prepared before
    # the importer's word on the first (sealed, as for a first import); none after.
    sealed.clear()
    again = service.import_rights_file(
        uow=sqlite_registered.uow(), path=path, batch_size=50, second_process_from_bytes=0
    )
    assert again.unchanged == len(lines())
    assert sealed == [50, 50, 0]


def test_the_second_process_reports_what_stops_it(
    sqlite_registered: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure in the preparing process reaches the importer as itself; what committed
    before it stays, and a rerun resumes."""
    path = write_file(tmp_path / "rights.csv", lines())
    with (
        pytest.raises(FileNotFoundError),
        imports.PreparingProcess(
            tmp_path / "missing.csv",
            "csv",
            skip_through=0,
            batch_size=50,
            ring=sqlite_registered.vault.ring,
        ) as preparing,
    ):
        list(preparing)
    outcome = service.import_rights_file(
        uow=sqlite_registered.uow(), path=path, batch_size=50, second_process_from_bytes=0
    )
    assert outcome.created == len(lines())
