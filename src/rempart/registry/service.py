"""Use cases of the registry: import an insurer's rights file, register reference data,
read counts. Each owns its transactions through the unit of work."""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.kernel.errors import Conflict, InvalidInput
from rempart.kernel.ids import new_id
from rempart.registry.domain import (
    Insurer,
    Professional,
    RightsPeriod,
    RightsStatus,
    Structure,
    close_periods,
)
from rempart.registry.importer import InsurerRef, apply_batch, load_insurers
from rempart.registry.models import (
    BeneficiaryRow,
    ImportRejectionRow,
    ImportRunRow,
    InsurerRow,
    MemberRow,
    RightsPeriodRow,
)
from rempart.registry.preparation import ParsedBatch, parsed_batches
from rempart.registry.repository import RegistryRepository
from rempart.registry.rights_file import (
    FileFormatError,
    RejectionCode,
    detect_format,
    read_lines,
)
from rempart.vault.errors import KeyRingReloaded

SNAPSHOT_REASON = "absent-from-snapshot"


@dataclass(frozen=True)
class ImportOutcome:
    run_id: uuid.UUID
    lines: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    closed: int
    resumed: bool
    report: Path | None
    snapshot_blocked: int = 0  # lines that stopped a snapshot from closing anyone

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def exit_code(self) -> int:
        """0: every line imported; 2: some rejected (valid ones imported); 1: none imported."""
        if self.rejected == 0:
            return 0
        return 2 if self.imported else 1


@dataclass(frozen=True)
class Progress:
    bytes_read: int
    lines: int


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_rights_file(
    *,
    uow: UnitOfWork,
    path: Path,
    file_format: str | None = None,
    snapshot: bool = False,
    as_of: date | None = None,
    report_path: Path | None = None,
    batch_size: int = 2000,
    on_progress: Callable[[Progress], None] = lambda _: None,
) -> ImportOutcome:
    """Import an insurer's rights file; see docs/formats/rights-file.md.

    Each batch commits together with the run's checkpoint, so a killed import rerun on
    the same file resumes after the last committed line and ends in exactly the state of
    one clean run. Lines are validated one by one; rejected lines are recorded with their
    number and reason, and the rest is imported.
    """
    chosen_format = detect_format(path.name, file_format)
    if not path.is_file():
        raise FileFormatError(f"no such file: {path}")
    _check_report_path(report_path, path)
    with path.open("rb") as handle:
        # A bad header or a file without lines is refused before any run is recorded.
        if next(read_lines(handle, chosen_format), None) is None:
            raise FileFormatError("the file has no lines to import")
    sha256 = file_digest(path)
    # One import at a time: two imports interleaving their batches could leave an older
    # statement over a newer one, or make a snapshot close someone its file states.
    with uow.exclusive("rights-import", what="a rights-file import"):
        return _import_locked(
            uow,
            path,
            chosen_format,
            sha256,
            snapshot,
            as_of,
            report_path,
            batch_size,
            on_progress,
        )


def _import_locked(
    uow: UnitOfWork,
    path: Path,
    chosen_format: str,
    sha256: str,
    snapshot: bool,
    as_of: date | None,
    report_path: Path | None,
    batch_size: int,
    on_progress: Callable[[Progress], None],
) -> ImportOutcome:
    with uow:
        run, resumed = _start_or_resume(uow, path, sha256, chosen_format, snapshot, as_of)
        uow.commit()
        run_id, checkpoint = run.id, run.checkpoint_line

    with uow:
        insurers = load_insurers(uow.session)
        for batch in parsed_batches(
            path, chosen_format, skip_through=checkpoint, batch_size=batch_size
        ):
            _commit_batch_once_more_after_a_rotation(uow, run_id, insurers, batch)
            on_progress(Progress(batch.bytes_read, batch.last_line))

    snapshot_blocked = 0
    if snapshot:
        with uow:
            snapshot_blocked = _close_absent(uow, run_id, batch_size)

    with uow:
        run = uow.session.get_one(ImportRunRow, run_id)
        report = None
        if run.rejected:
            report = _write_report(uow.session, run, report_path)
        elif report_path is not None and _is_a_report(report_path):
            # A report left by an earlier run of this file would describe lines that are
            # now fine: remove it rather than let it mislead.
            report_path.unlink()
        run.status = "completed"
        run.finished_at = uow.clock.now()
        uow.commit()
        return ImportOutcome(
            run_id=run.id,
            lines=run.lines_read,
            created=run.created,
            updated=run.updated,
            unchanged=run.unchanged,
            rejected=run.rejected,
            closed=run.closed,
            resumed=resumed,
            report=report,
            snapshot_blocked=snapshot_blocked,
        )


def _commit_batch_once_more_after_a_rotation(
    uow: UnitOfWork, run_id: uuid.UUID, insurers: Mapping[str, InsurerRef], batch: ParsedBatch
) -> None:
    """A rotation starting mid-import refuses one batch (its keys are old); the ring is
    then reloaded and the batch applied again under the new keys."""
    uow.refresh_vault()
    try:
        _commit_batch(uow, run_id, insurers, batch)
    except KeyRingReloaded:
        uow.refresh_vault()
        _commit_batch(uow, run_id, insurers, batch)


_REPORT_HEADER = ["line", "code", "field", "message"]


def _check_report_path(report_path: Path | None, path: Path) -> None:
    if report_path is None or not report_path.exists():
        return
    if report_path.is_dir():
        raise InvalidInput("the report path is a directory", field="report")
    if report_path.samefile(path):
        raise InvalidInput("the report cannot be written over the file imported", field="report")
    if not _is_a_report(report_path):
        raise InvalidInput("the report path holds another file; choose a new path", field="report")


def _is_a_report(report_path: Path) -> bool:
    try:
        with report_path.open(encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle), None) == _REPORT_HEADER
    except (OSError, UnicodeDecodeError, csv.Error):
        return False


def _start_or_resume(
    uow: UnitOfWork,
    path: Path,
    sha256: str,
    file_format: str,
    snapshot: bool,
    as_of: date | None,
) -> tuple[ImportRunRow, bool]:
    """An unfinished run of the same file (and mode) is resumed with its own date."""
    unfinished = uow.session.scalar(
        select(ImportRunRow).where(
            ImportRunRow.file_sha256 == sha256,
            ImportRunRow.snapshot == snapshot,
            ImportRunRow.status != "completed",
        )
    )
    other_snapshot = uow.session.scalar(
        select(ImportRunRow).where(
            ImportRunRow.snapshot.is_(True),
            ImportRunRow.status != "completed",
            ImportRunRow.file_sha256 != sha256,
        )
    )
    if other_snapshot is not None:
        # Its closing step counts on no other import touching its insurers meanwhile.
        raise Conflict(
            f"an unfinished snapshot import ({other_snapshot.file_name}, started "
            f"{other_snapshot.started_at:%Y-%m-%d %H:%M}) must be completed first: rerun it"
        )
    if unfinished is not None:
        if as_of is not None and as_of != unfinished.as_of:
            raise Conflict(
                f"an unfinished import of this file is dated {unfinished.as_of.isoformat()}: "
                "rerun with that --as-of to resume it",
                field="as_of",
            )
        return unfinished, True
    as_of = as_of or uow.clock.today()
    run = ImportRunRow(
        id=new_id(),
        file_sha256=sha256,
        file_name=path.name[:255],
        file_format=file_format,
        snapshot=snapshot,
        as_of=as_of,
        status="running",
        checkpoint_line=0,
        lines_read=0,
        created=0,
        updated=0,
        unchanged=0,
        rejected=0,
        closed=0,
        insurers_seen="",
        started_at=uow.clock.now(),
        finished_at=None,
    )
    uow.session.add(run)
    return run, False


def _commit_batch(
    uow: UnitOfWork, run_id: uuid.UUID, insurers: Mapping[str, InsurerRef], batch: ParsedBatch
) -> None:
    outcome = apply_batch(
        session=uow.session,
        vault=uow.vault,
        now=uow.clock.now(),
        run_id=run_id,
        lines=batch.lines,
        insurers=insurers,
    )
    rejections = batch.rejections
    all_rejections = rejections + outcome.rejections
    if all_rejections:
        uow.session.connection().execute(
            table_of(ImportRejectionRow).insert(),
            [
                {
                    "run_id": run_id,
                    "line_no": r.line_no,
                    "code": r.code.value,
                    "field": r.field,
                    "message": r.message[:300],
                }
                for r in all_rejections
            ],
        )
    run = uow.session.get_one(ImportRunRow, run_id)
    run.checkpoint_line = batch.last_line
    run.lines_read += len(batch)
    run.created += outcome.created
    run.updated += outcome.updated
    run.unchanged += outcome.unchanged
    run.rejected += len(all_rejections)
    seen = set(run.insurers_seen.split()) | outcome.insurers_seen
    run.insurers_seen = " ".join(sorted(seen))
    uow.commit()


def _close_absent(uow: UnitOfWork, run_id: uuid.UUID, batch_size: int) -> int:
    """--snapshot: every beneficiary of the file's insurers that the file did not state
    loses its rights from the snapshot date. Batched and resumable: a closed row is
    marked as seen by this run."""
    run = uow.session.get_one(ImportRunRow, run_id)
    # Fail safe: a line that could not be applied may be someone who still has rights, so
    # a snapshot with such lines closes nobody (duplicates and stale lines are identified
    # and marked as seen, so they do not count).
    blocking = (
        uow.session.scalar(
            select(func.count())
            .select_from(ImportRejectionRow)
            .where(
                ImportRejectionRow.run_id == run_id,
                ImportRejectionRow.code.not_in([RejectionCode.DUPLICATE, RejectionCode.STALE]),
            )
        )
        or 0
    )
    amc_numbers = run.insurers_seen.split()
    if blocking or not amc_numbers:
        return blocking
    b = BeneficiaryRow
    while True:
        candidates = uow.session.execute(
            select(b.id, b.rights_as_of)
            .join(MemberRow, MemberRow.id == b.member_id)
            .join(InsurerRow, InsurerRow.id == MemberRow.insurer_id)
            .where(
                InsurerRow.amc_number.in_(amc_numbers),
                (b.last_import_id.is_(None)) | (b.last_import_id != run_id),
            )
            .limit(batch_size)
        ).all()
        if not candidates:
            return 0
        # Someone stated after the snapshot's date is not closed by it; the others are,
        # and their record is dated the snapshot's day so that an older late statement
        # cannot reopen them.
        to_close = [i for i, stated in candidates if stated <= run.as_of]
        newer = [i for i, stated in candidates if stated > run.as_of]
        closed = _close_rights(uow.session, to_close, on=run.as_of) if to_close else 0
        marks = {"last_import_id": run_id, "last_import_line": 0, "updated_at": uow.clock.now()}
        if to_close:
            uow.session.execute(
                update(b)
                .where(b.id.in_(to_close))
                .values(**marks, closed_reason=SNAPSHOT_REASON, rights_as_of=run.as_of)
            )
        if newer:
            uow.session.execute(update(b).where(b.id.in_(newer)).values(**marks))
        run.closed += closed
        uow.commit()


def _close_rights(session: Session, beneficiary_ids: list[uuid.UUID], *, on: date) -> int:
    rows = list(
        session.scalars(
            select(RightsPeriodRow).where(RightsPeriodRow.beneficiary_id.in_(beneficiary_ids))
        )
    )
    by_beneficiary: dict[uuid.UUID, list[RightsPeriodRow]] = {}
    for row in rows:
        by_beneficiary.setdefault(row.beneficiary_id, []).append(row)
    changed = 0
    for period_rows in by_beneficiary.values():
        before = tuple(RightsPeriod(r.start, r.end, RightsStatus(r.status)) for r in period_rows)
        after = close_periods(before, on=on)
        if after != before:
            changed += 1
            for row, period in zip(period_rows, after, strict=True):
                row.end, row.status = period.end, period.status.value
    session.flush()
    return changed


def _write_report(session: Session, run: ImportRunRow, report_path: Path | None) -> Path:
    """line, code, field, message — never the line's content (it holds NIRs)."""
    path = report_path or Path(f"import-{run.id}.rejected.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fresh temporary file (never a name someone could have planted a link at), renamed
    # over the report once complete.
    descriptor, temporary = tempfile.mkstemp(prefix=".report-", dir=path.parent)
    partial = Path(temporary)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_REPORT_HEADER)
        for rejection in session.scalars(
            select(ImportRejectionRow)
            .where(ImportRejectionRow.run_id == run.id)
            .order_by(ImportRejectionRow.line_no)
        ):
            writer.writerow(
                [rejection.line_no, rejection.code, rejection.field or "", rejection.message]
            )
    partial.replace(path)  # a reader never sees half a report
    return path


# --- reference data ----------------------------------------------------------------------


def register_reference_data(
    *,
    uow: UnitOfWork,
    insurers: Iterable[Insurer] = (),
    structures: Iterable[Structure] = (),
    professionals: Iterable[Professional] = (),
) -> None:
    with uow:
        repository = RegistryRepository(uow.session, uow.vault)
        for insurer in insurers:
            repository.save_insurer(insurer, now=uow.clock.now())
        for structure in structures:
            repository.save_structure(structure)
        for professional in professionals:
            repository.save_professional(professional)
        uow.commit()


def insurer_overview(*, uow: UnitOfWork) -> list[tuple[str, str, str, int]]:
    with uow:
        return RegistryRepository(uow.session, uow.vault).insurer_overview()


def count_rows(*, uow: UnitOfWork) -> dict[str, int]:
    with uow:
        return RegistryRepository(uow.session, uow.vault).counts()
