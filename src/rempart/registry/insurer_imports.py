"""Rights files an insurer's staff upload from the insurer portal: the operator's import
use case (`imports.import_rights_file`), restricted to the insurer the account is bound
to, its past runs with their counts, and each run's rejected-lines report.

A line naming another AMC is rejected (`I-OTHER-AMC`) and nothing of it is written; a
run is listed and its report downloaded only by the insurer it was sent for."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import NotFound
from rempart.registry.imports import ImportOutcome, import_rights_file
from rempart.registry.models import ImportRunRow
from rempart.registry.own_insurer import admit_for_own_insurer
from rempart.registry.reports import write_report_rows
from rempart.rights.service import revoke_after_import
from rempart.shield.port import Shield

IMPORTS_READ = "registry:imports:read"
IMPORT_REPORT_READ = "registry:import_report:read"
# An upload is imported while the person waits: files past this size (a few tens of
# thousands of lines) go through the operator's `rempart import rights`.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
LISTED_RUNS = 100


@dataclass(frozen=True)
class ImportRunSummary:
    run_id: uuid.UUID
    file_name: str
    as_of: date
    status: str
    lines: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    started_at: datetime
    finished_at: datetime | None


def _own_amc(actor: Actor, shield: Shield, uow: UnitOfWork, action: str) -> str:
    return admit_for_own_insurer(
        uow=uow, actor=actor, shield=shield, permission=Permission.RIGHTS_FILE_IMPORT, action=action
    )


@dataclass(frozen=True)
class UploadOutcome:
    imported: ImportOutcome
    revoked: int  # accreditations the new rights no longer cover


def import_own_rights_file(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, path: Path, report_path: Path
) -> UploadOutcome:
    """The uploaded file (`path`, named as sent: its extension says CSV or JSON Lines),
    imported for the actor's insurer alone; `report_path` is where the import may leave
    its report file (the caller's temporary folder: the portal serves the report from
    the database). As after the operator's import, rights closed retroactively revoke
    the accreditations issued for those dates."""
    amc = _own_amc(actor, shield, uow, "registry.rights_import")
    imported = import_rights_file(
        uow=uow, path=path, report_path=report_path, only_amc=amc, actor=actor
    )
    return UploadOutcome(imported, revoke_after_import(uow=uow, run_id=imported.run_id))


def list_own_imports(*, uow: UnitOfWork, actor: Actor, shield: Shield) -> list[ImportRunSummary]:
    """The runs sent for the actor's insurer, newest first."""
    amc = _own_amc(actor, shield, uow, "registry.imports")
    with uow:
        runs = uow.session.scalars(
            select(ImportRunRow)
            .where(ImportRunRow.submitted_for == amc)
            .order_by(ImportRunRow.started_at.desc())
            .limit(LISTED_RUNS)
        ).all()
        summaries = [
            ImportRunSummary(
                run.id,
                run.file_name,
                run.as_of,
                run.status,
                run.lines_read,
                run.created,
                run.updated,
                run.unchanged,
                run.rejected,
                run.started_at,
                run.finished_at,
            )
            for run in runs
        ]
        record_action(uow, tag=IMPORTS_READ, actor=actor, target_amc=amc)
        uow.commit()
    return summaries


def own_import_report(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, run_id: uuid.UUID
) -> tuple[str, str]:
    """(file name, CSV text) of the run's rejected lines: line, code, field, message,
    never a line's content. Another insurer's run is not found, like an unknown one."""
    amc = _own_amc(actor, shield, uow, "registry.imports")
    with uow:
        run = uow.session.scalar(
            select(ImportRunRow).where(ImportRunRow.id == run_id, ImportRunRow.submitted_for == amc)
        )
        if run is None:
            raise NotFound("no import of this insurer has this reference")
        stem = Path(run.file_name).stem or "import"
        text = io.StringIO()
        write_report_rows(uow.session, run.id, text)
        record_action(uow, tag=IMPORT_REPORT_READ, actor=actor, target_amc=amc)
        uow.commit()
    return f"{stem}.rejected.csv", text.getvalue()
