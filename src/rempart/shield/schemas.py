"""What the security pages read and send."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from rempart.shield.alerting import AlertView
from rempart.shield.alerts import Severity
from rempart.shield.domain import Rung
from rempart.shield.lifting import ContainmentView, LiftRequestView


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class ContainmentStatus(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"
    ALL = "all"


class AlertRead(BaseModel):
    """An alert: its subject is an account or client id, a FINESS, a channel or none;
    its evidence is counts and thresholds, never a person's identifier."""

    id: uuid.UUID
    code: str
    severity: Severity
    subject_kind: str | None
    subject_ref: str | None
    detector: str | None
    evidence: str
    containment_step: str | None
    containment_id: uuid.UUID | None
    status: str
    created_at: datetime
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, view: AlertView) -> AlertRead:
        return cls(
            id=view.id,
            code=view.code,
            severity=view.severity,
            subject_kind=view.subject_kind,
            subject_ref=view.subject_ref,
            detector=view.detector,
            evidence=view.evidence,
            containment_step=view.rung,
            containment_id=view.containment_id,
            status=view.status,
            created_at=view.created_at,
            acknowledged_at=view.acknowledged_at,
        )


class ContainmentRead(BaseModel):
    id: uuid.UUID
    subject_kind: str
    subject_ref: str
    step: Rung
    status: str
    detector: str | None
    evidence: str
    caused_by: uuid.UUID | None
    created_at: datetime
    escalated_at: datetime
    lifted_at: datetime | None
    pending_lift_request: uuid.UUID | None

    @classmethod
    def of(cls, view: ContainmentView) -> ContainmentRead:
        return cls(
            id=view.id,
            subject_kind=view.subject_kind,
            subject_ref=view.subject_ref,
            step=view.rung,
            status=view.status,
            detector=view.detector,
            evidence=view.evidence,
            caused_by=view.cause_id,
            created_at=view.created_at,
            escalated_at=view.escalated_at,
            lifted_at=view.lifted_at,
            pending_lift_request=view.pending_lift,
        )


class LiftRequestRead(BaseModel):
    """A lift waiting for a second security analyst's approval."""

    id: uuid.UUID
    containment_id: uuid.UUID
    status: str
    requested_at: datetime

    @classmethod
    def of(cls, view: LiftRequestView) -> LiftRequestRead:
        return cls(
            id=view.id,
            containment_id=view.containment_id,
            status=view.status,
            requested_at=view.requested_at,
        )
