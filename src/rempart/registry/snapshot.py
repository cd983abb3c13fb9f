"""Closing, after a --snapshot import, the rights of beneficiaries its file left out."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rempart.db.uow import UnitOfWork
from rempart.registry.domain import (
    RightsPeriod,
    RightsStatus,
    close_periods,
)
from rempart.registry.models import (
    BeneficiaryRow,
    ImportRejectionRow,
    ImportRunRow,
    InsurerRow,
    MemberRow,
    RightsPeriodRow,
)
from rempart.registry.rights_file import (
    RejectionCode,
)

SNAPSHOT_REASON = "absent-from-snapshot"


def close_absent(uow: UnitOfWork, run_id: uuid.UUID, batch_size: int) -> int:
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
        closed = close_rights(uow.session, to_close, on=run.as_of) if to_close else 0
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


def close_rights(session: Session, beneficiary_ids: list[uuid.UUID], *, on: date) -> int:
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
