"""The rights-file import use case: a file, validated line by line, applied in
checkpointed batches under one cross-process lock; see docs/formats/rights-file.md."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select

from rempart.audit.domain import AuditTag, Category
from rempart.audit.trail import record_action
from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor
from rempart.kernel.collections_pace import fewer_collections
from rempart.kernel.errors import Conflict
from rempart.kernel.ids import new_id
from rempart.registry.importer import BatchOutcome, InsurerRef, apply_batch, load_insurers
from rempart.registry.models import (
    ImportRejectionRow,
    ImportRunRow,
)
from rempart.registry.preparation import ParsedBatch, parsed_batches
from rempart.registry.prepared_feed import SECOND_PROCESS_FROM_BYTES, FedBatch, PreparingProcess
from rempart.registry.reports import check_report_path, is_a_report, write_report
from rempart.registry.rights_file import (
    FileFormatError,
    LineRejection,
    RejectionCode,
    detect_format,
    read_lines,
)
from rempart.registry.snapshot import SNAPSHOT_REASON, close_absent
from rempart.vault.errors import KeyRingReloaded

__all__ = ["SNAPSHOT_REASON", "ImportOutcome", "Progress", "import_rights_file"]


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
    only_amc: str | None = None,
    actor: Actor | None = None,
    second_process_from_bytes: int | None = None,
) -> ImportOutcome:
    """Import an insurer's rights file; see docs/formats/rights-file.md.

    With `only_amc` (an insurer's own upload), lines naming another insurer are rejected
    (`I-OTHER-AMC`) and the run belongs to that insurer; `actor` is who sent it, on record.
    A file of `second_process_from_bytes` (default SECOND_PROCESS_FROM_BYTES) or more, an
    insurer's full file rather than an upload, is read, validated and sealed in a second
    process while this one writes (`prepared_feed`).

    Each batch commits together with the run's checkpoint, so a killed import rerun on
    the same file resumes after the last committed line and ends in exactly the state of
    one clean run. Lines are validated one by one; rejected lines are recorded with their
    number and reason, and the rest is imported.
    """
    chosen_format = detect_format(path.name, file_format)
    if not path.is_file():
        raise FileFormatError(f"no such file: {path}")
    check_report_path(report_path, path)
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
            only_amc,
            actor,
            SECOND_PROCESS_FROM_BYTES
            if second_process_from_bytes is None
            else second_process_from_bytes,
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
    only_amc: str | None,
    actor: Actor | None,
    second_process_from_bytes: int,
) -> ImportOutcome:
    with uow:
        run, resumed = _start_or_resume(uow, path, sha256, chosen_format, snapshot, as_of, only_amc)
        uow.commit()
        run_id, checkpoint = run.id, run.checkpoint_line

    with uow, fewer_collections():
        insurers = load_insurers(uow.session)
        # The second process starts and skips to the checkpoint before its first batch:
        # no transaction waits on it (the server ends one left idle).
        uow.commit()
        if only_amc is None and path.stat().st_size >= second_process_from_bytes:
            with PreparingProcess(
                path,
                chosen_format,
                skip_through=checkpoint,
                batch_size=batch_size,
                ring=uow.refresh_vault().ring,
            ) as preparing:
                for fed in preparing:
                    outcome = _commit_batch_once_more_after_a_rotation(
                        uow, run_id, insurers, fed.batch, fed
                    )
                    # Mostly new rows: worth sealing ahead; mostly known: only indexes.
                    preparing.advise(seal=outcome.created * 2 > len(fed.batch.lines))
                    on_progress(Progress(fed.batch.bytes_read, fed.batch.last_line))
        else:
            for batch in parsed_batches(
                path, chosen_format, skip_through=checkpoint, batch_size=batch_size
            ):
                _commit_batch_once_more_after_a_rotation(
                    uow, run_id, insurers, _own_lines_only(batch, only_amc)
                )
                on_progress(Progress(batch.bytes_read, batch.last_line))

    snapshot_blocked = 0
    if snapshot:
        with uow:
            snapshot_blocked = close_absent(uow, run_id, batch_size)

    with uow:
        run = uow.session.get_one(ImportRunRow, run_id)
        report = None
        if run.rejected:
            report = write_report(uow.session, run, report_path)
        elif report_path is not None and is_a_report(report_path):
            # A report left by an earlier run of this file would describe lines that are
            # now fine: remove it rather than let it mislead.
            report_path.unlink()
        run.status = "completed"
        run.finished_at = uow.clock.now()
        # One record per import (the insurer's own data, changed in bulk), in the
        # transaction that completes it.
        record_action(
            uow,
            tag=AuditTag.REGISTRY_RIGHTS_FILE_IMPORTED,
            actor=actor,
            target_amc=only_amc,
            categories=(Category.IDENTITY, Category.RIGHTS, Category.GUARANTEES),
        )
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


def _own_lines_only(batch: ParsedBatch, only_amc: str | None) -> ParsedBatch:
    """The batch less the lines naming another insurer than `only_amc`, which become
    rejections: an insurer's staff state their own members only."""
    if only_amc is None:
        return batch
    others = [number for number, line in batch.lines if line.amc_number != only_amc]
    if not others:
        return batch
    return replace(
        batch,
        lines=[(number, line) for number, line in batch.lines if line.amc_number == only_amc],
        rejections=[
            *batch.rejections,
            *(
                LineRejection(
                    number,
                    RejectionCode.OTHER_AMC,
                    "amc_number is not the insurer this file was sent for",
                    "amc_number",
                )
                for number in others
            ),
        ],
    )


def _commit_batch_once_more_after_a_rotation(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    insurers: Mapping[str, InsurerRef],
    batch: ParsedBatch,
    fed: FedBatch | None = None,
) -> BatchOutcome:
    """A rotation starting mid-import refuses one batch (its keys are old); the ring is
    then reloaded and the batch applied again under the new keys (prepared here: lines
    the second process prepared under other keys are not used)."""
    uow.refresh_vault()
    try:
        return _commit_batch(uow, run_id, insurers, batch, fed)
    except KeyRingReloaded:
        uow.refresh_vault()
        return _commit_batch(uow, run_id, insurers, batch, fed)


def _start_or_resume(
    uow: UnitOfWork,
    path: Path,
    sha256: str,
    file_format: str,
    snapshot: bool,
    as_of: date | None,
    only_amc: str | None,
) -> tuple[ImportRunRow, bool]:
    """An unfinished run of the same file (and mode, and sender) is resumed with its own
    date."""
    unfinished = uow.session.scalar(
        select(ImportRunRow).where(
            ImportRunRow.file_sha256 == sha256,
            ImportRunRow.snapshot == snapshot,
            ImportRunRow.status != "completed",
            ImportRunRow.submitted_for.is_(None)
            if only_amc is None
            else ImportRunRow.submitted_for == only_amc,
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
        submitted_for=only_amc,
        started_at=uow.clock.now(),
        finished_at=None,
    )
    uow.session.add(run)
    return run, False


def _commit_batch(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    insurers: Mapping[str, InsurerRef],
    batch: ParsedBatch,
    fed: FedBatch | None,
) -> BatchOutcome:
    outcome = apply_batch(
        session=uow.session,
        vault=uow.vault,
        now=uow.clock.now(),
        run_id=run_id,
        lines=batch.lines,
        insurers=insurers,
        fed=fed.prepared if fed is not None and fed.usable_with(uow.vault) else None,
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
    return outcome
