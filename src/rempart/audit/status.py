"""The log's state at a glance, for the security analysts: the latest verification's
outcome (every `rempart audit verify` is kept, counts only), the newest signed
checkpoint, and the records not yet sealed into the tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from rempart.audit.domain import VerificationReport
from rempart.audit.models import AuditCheckpointRow, AuditRecordRow, AuditVerificationRow
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission, Target, authorize
from rempart.kernel.ids import new_id
from rempart.shield.port import Shield


@dataclass(frozen=True, slots=True)
class Verification:
    finished_at: datetime
    ok: bool
    records_checked: int
    findings: int
    covered_size: int


@dataclass(frozen=True, slots=True)
class LogStatus:
    verification: Verification | None  # None: never verified
    checkpoint_size: int | None  # None: no checkpoint yet
    checkpoint_at: datetime | None
    unsealed: int  # records committed, not yet in the tree


def record_verification(uow: UnitOfWork, report: VerificationReport) -> None:
    """Keep a verification's outcome (in the caller's unit of work; the caller commits)."""
    uow.session.add(
        AuditVerificationRow(
            id=new_id(),
            finished_at=uow.clock.now(),
            ok=report.ok,
            records_checked=report.records_checked,
            tree_size=report.tree_size,
            covered_size=report.covered_size,
            pending=report.pending,
            findings=len(report.findings),
        )
    )


def log_status(*, uow: UnitOfWork, actor: Actor, shield: Shield) -> LogStatus:
    authorize(actor, Permission.ALERT_READ, Target.platform())
    shield.admit(actor=actor, action="security.audit_status", structure=None, now=uow.clock.now())
    with uow:
        latest = uow.session.scalars(
            select(AuditVerificationRow).order_by(AuditVerificationRow.finished_at.desc()).limit(1)
        ).first()
        checkpoint = uow.session.execute(
            select(AuditCheckpointRow.tree_size, AuditCheckpointRow.issued_at)
            .order_by(AuditCheckpointRow.tree_size.desc())
            .limit(1)
        ).first()
        unsealed = uow.session.scalar(
            select(func.count())
            .select_from(AuditRecordRow)
            .where(AuditRecordRow.leaf_index.is_(None))
        )
        return LogStatus(
            verification=None
            if latest is None
            else Verification(
                latest.finished_at,
                latest.ok,
                latest.records_checked,
                latest.findings,
                latest.covered_size,
            ),
            checkpoint_size=None if checkpoint is None else int(checkpoint.tree_size),
            checkpoint_at=None if checkpoint is None else checkpoint.issued_at,
            unsealed=int(unsealed or 0),
        )
