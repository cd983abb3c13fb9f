"""Stored alerts: every alert is a row for the security pages and an outbox message to
the security analysts, in one transaction; and the use cases of the alert pages."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission, Target, authorize
from rempart.kernel.errors import Conflict, NotFound
from rempart.kernel.ids import new_id
from rempart.outbox.service import enqueue
from rempart.shield.alerts import Alert, LoggingAlertSink, Severity
from rempart.shield.domain import SubjectType
from rempart.shield.models import AlertRow
from rempart.shield.port import Shield
from rempart.shield.tags import ShieldTag

OPEN, ACKNOWLEDGED, CLOSED = "open", "acknowledged", "closed"
ANALYSTS = ("security", "analysts")  # the outbox recipient (kind, reference)
LIST_LIMIT = 500
_PUBLIC_SUBJECTS = {SubjectType.STRUCTURE.value, SubjectType.CHANNEL.value}
logger = logging.getLogger("rempart.shield.alerts")


def store_alert(
    uow: UnitOfWork, alert: Alert, *, containment_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Adds the alert and its message to the analysts to the caller's unit of work."""
    alert_id = new_id()
    now = uow.clock.now()
    uow.session.add(
        AlertRow(
            id=alert_id,
            code=alert.code,
            severity=alert.severity.value,
            subject_kind=alert.subject_kind,
            subject_ref=alert.subject_ref,
            detector=alert.detector,
            evidence=alert.detail[:1000],
            rung=alert.rung,
            containment_id=containment_id,
            status=OPEN,
            created_at=now,
            acknowledged_by=None,
            acknowledged_at=None,
        )
    )
    # The message names the alert and public subjects only: an analyst opens the alert
    # on the security pages for the rest.
    subject = alert.subject_kind or "platform"
    if alert.subject_kind in _PUBLIC_SUBJECTS and alert.subject_ref:
        subject += f" {alert.subject_ref}"
    enqueue(
        uow,
        topic="shield.alert",
        recipient_kind=ANALYSTS[0],
        recipient_ref=ANALYSTS[1],
        subject=f"[{alert.severity.value}] {alert.code} ({subject})",
        body=(
            f"Alert {alert_id} at {now.isoformat()}: {alert.code}, severity "
            f"{alert.severity.value}, subject {subject}"
            + (f", containment {alert.rung}" if alert.rung else "")
            + f".\n{alert.detail}\nSee GET /api/v1/security/alerts."
        ),
    )
    return alert_id


class StoredAlertSink:
    """The app's alert sink for alerts raised outside a use case (the quota and feature
    stores going down and coming back): logged at once, then stored with its outbox
    message in a unit of work of its own, on a thread of its own — the request that
    noticed the outage may hold a write transaction (SQLite has one writer), and must
    not wait on its own alert. If the database cannot take it either, the log line is
    what remains."""

    def __init__(self, uow: Callable[[], UnitOfWork], log: LoggingAlertSink | None = None):
        self._uow = uow
        self._log = log or LoggingAlertSink()
        self._lock = threading.Lock()
        self._writers: list[threading.Thread] = []

    def raise_alert(self, alert: Alert) -> None:
        self._log.raise_alert(alert)
        writer = threading.Thread(target=self._store, args=(alert,), daemon=True)
        with self._lock:
            self._writers = [w for w in self._writers if w.is_alive()]
            self._writers.append(writer)
        writer.start()

    def wait(self, timeout: float = 10.0) -> None:
        """Until the alerts raised so far are stored (tests, shutdown)."""
        with self._lock:
            writers = list(self._writers)
        for writer in writers:
            writer.join(timeout)

    def _store(self, alert: Alert) -> None:
        try:
            with self._uow() as uow:
                store_alert(uow, alert)
                uow.commit()
        except Exception as error:
            logger.error("alert %s not stored: %s", alert.code, type(error).__name__)


@dataclass(frozen=True)
class AlertView:
    id: uuid.UUID
    code: str
    severity: Severity
    subject_kind: str | None
    subject_ref: str | None
    detector: str | None
    evidence: str
    rung: str | None
    containment_id: uuid.UUID | None
    status: str
    created_at: datetime
    acknowledged_at: datetime | None


def _view(row: AlertRow) -> AlertView:
    return AlertView(
        row.id,
        row.code,
        Severity(row.severity),
        row.subject_kind,
        row.subject_ref,
        row.detector,
        row.evidence,
        row.rung,
        row.containment_id,
        row.status,
        row.created_at,
        row.acknowledged_at,
    )


def list_alerts(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    status: str | None = None,
    severity: Severity | None = None,
    since: datetime | None = None,
) -> list[AlertView]:
    """Newest first, at most LIST_LIMIT."""
    authorize(actor, Permission.ALERT_READ, Target.platform())
    shield.admit(actor=actor, action="security.alerts", structure=None, now=uow.clock.now())
    with uow:
        query = select(AlertRow).order_by(AlertRow.created_at.desc()).limit(LIST_LIMIT)
        if status is not None:
            query = query.where(AlertRow.status == status)
        if severity is not None:
            query = query.where(AlertRow.severity == severity.value)
        if since is not None:
            query = query.where(AlertRow.created_at >= since)
        views = [_view(row) for row in uow.session.scalars(query)]
        record_action(uow, tag=ShieldTag.ALERTS_READ, actor=actor)
        uow.commit()
        return views


def acknowledge_alert(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, alert_id: uuid.UUID
) -> AlertView:
    authorize(actor, Permission.ALERT_READ, Target.platform())
    shield.admit(actor=actor, action="security.alerts", structure=None, now=uow.clock.now())
    with uow:
        row = uow.session.get(AlertRow, alert_id, with_for_update=True)
        if row is None:
            raise NotFound("no such alert")
        if row.status != OPEN:
            raise Conflict("this alert is not open")
        row.status = ACKNOWLEDGED
        row.acknowledged_by, row.acknowledged_at = actor.account_id, uow.clock.now()
        record_action(uow, tag=ShieldTag.ALERT_ACKNOWLEDGED, actor=actor)
        uow.commit()
        return _view(row)
