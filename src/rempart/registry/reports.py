"""Import reports: which lines were rejected and why, never their content."""

from __future__ import annotations

import csv
import os
import tempfile
import uuid
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from rempart.kernel.errors import InvalidInput
from rempart.registry.models import (
    ImportRejectionRow,
    ImportRunRow,
)

REPORT_HEADER = ["line", "code", "field", "message"]


def check_report_path(report_path: Path | None, path: Path) -> None:
    if report_path is None or not report_path.exists():
        return
    if report_path.is_dir():
        raise InvalidInput("the report path is a directory", field="report")
    if report_path.samefile(path):
        raise InvalidInput("the report cannot be written over the file imported", field="report")
    if not is_a_report(report_path):
        raise InvalidInput("the report path holds another file; choose a new path", field="report")


def is_a_report(report_path: Path) -> bool:
    try:
        with report_path.open(encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle), None) == REPORT_HEADER
    except (OSError, UnicodeDecodeError, csv.Error):
        return False


def write_report(session: Session, run: ImportRunRow, report_path: Path | None) -> Path:
    """line, code, field, message — never the line's content (it holds NIRs)."""
    # No path given (a caller other than the CLI): the system's temporary directory,
    # never the working directory (it may be a source checkout).
    path = report_path or Path(tempfile.gettempdir()) / f"rempart-import-{run.id}.rejected.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fresh temporary file (never a name someone could have planted a link at), renamed
    # over the report once complete.
    descriptor, temporary = tempfile.mkstemp(prefix=".report-", dir=path.parent)
    partial = Path(temporary)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        write_report_rows(session, run.id, handle)
    partial.replace(path)  # a reader never sees half a report
    return path


def write_report_rows(session: Session, run_id: uuid.UUID, handle: TextIO) -> None:
    """The report's CSV (header and one row per rejected line, in line order) into
    `handle`: the file the CLI leaves, or the download of the insurer portal."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for rejection in session.scalars(
        select(ImportRejectionRow)
        .where(ImportRejectionRow.run_id == run_id)
        .order_by(ImportRejectionRow.line_no)
    ):
        writer.writerow(
            [rejection.line_no, rejection.code, rejection.field or "", rejection.message]
        )


# --- reference data ----------------------------------------------------------------------
