"""Opening an incident from a shield alert: the alert names the account, software client
or structure it saw misbehave; the incident is opened with the alert as its source and
scoped at once on that subject, from a look-back before the alert until now.

The first scope is deliberately broad — every person disclosed to the subject in the
window, the honest owner's work included — because under-scoping a breach is the worse
error. The analyst then narrows it with what the investigation shows (the attacker's
addresses, a shorter window) by scoping again; the latest scoping is the one in force."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from rempart.audit.exposure import MAX_WINDOW, ExposureSelector, check_selector
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, Permission, Target, authorize
from rempart.incidents import domain
from rempart.incidents.scoping import scope_incident
from rempart.incidents.service import Source, open_incident
from rempart.incidents.views import ScopingView
from rempart.kernel.errors import InvalidInput, NotFound
from rempart.shield.models import AlertRow
from rempart.shield.port import Shield

# The shield sees an account misbehave some time after the misuse began (the slow
# scraper of the attack range within half an hour, a replay within minutes): a day
# before the alert covers both with a margin, and the analyst can widen it.
DEFAULT_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class AlertSubjects:
    """What a shield alert names: its id, the actors it saw and the window to scope."""

    alert_id: str
    start: datetime
    end: datetime
    accounts: frozenset[uuid.UUID] = frozenset()
    structures: frozenset[str] = frozenset()
    clients: frozenset[uuid.UUID] = frozenset()
    addresses: frozenset[str] = frozenset()

    def selector(self) -> ExposureSelector:
        return ExposureSelector(
            start=self.start,
            end=self.end,
            accounts=self.accounts,
            structures=self.structures,
            clients=self.clients,
            addresses=self.addresses,
        )


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """The parts of a stored alert an incident needs: never a person's identifier (an
    alert names an internal account or client id, or a FINESS)."""

    id: uuid.UUID
    code: str
    severity: str
    created_at: datetime
    subjects: AlertSubjects


def read_alert(
    *, uow: UnitOfWork, actor: Actor, alert_id: uuid.UUID, lookback: timedelta
) -> StoredAlert:
    """The alert and the subjects it names, with the window [alert - lookback, now).
    Refused for an alert about a channel or the platform: it names no one to scope."""
    authorize(actor, Permission.ALERT_READ, Target.platform())
    if not timedelta(hours=1) <= lookback <= MAX_WINDOW:
        raise InvalidInput(
            f"the look-back lies between 1 hour and {MAX_WINDOW.days} days", field="lookback"
        )
    with uow:
        row = uow.session.get(AlertRow, alert_id)
        if row is None:
            raise NotFound("no such alert")
        now = uow.clock.now()
        code, severity, raised_at = row.code, row.severity, row.created_at
        window = AlertSubjects(alert_id=str(alert_id), start=raised_at - lookback, end=now)
        subjects = _named(window, row.subject_kind, row.subject_ref or "")
    return StoredAlert(alert_id, code, severity, raised_at, subjects)


def _named(window: AlertSubjects, kind: str | None, ref: str) -> AlertSubjects:
    """The window with the subject the alert names."""
    try:
        if kind == "account":
            return replace(window, accounts=frozenset({uuid.UUID(ref)}))
        if kind == "client":
            return replace(window, clients=frozenset({uuid.UUID(ref)}))
    except ValueError:
        raise InvalidInput("the alert's subject is not an id", field="alert_id") from None
    if kind == "structure" and ref:
        return replace(window, structures=frozenset({ref}))
    raise InvalidInput(
        "this alert names no account, software client or structure: open the incident "
        "and scope it with the subjects the investigation found",
        field="alert_id",
    )


def open_from_alert(
    *,
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    shield: Shield,
    alert: AlertSubjects,
    description: str,
    controller_target: timedelta,
    kinds: Iterable[str] = (domain.Kind.CONFIDENTIALITY.value,),
    detected_at: datetime | None = None,
) -> tuple[uuid.UUID, ScopingView]:
    """An incident whose source is the alert, detected when the alert's window ends
    (unless told), then scoped on the alert's subjects and window."""
    check_selector(alert.selector())  # refuse before anything is written
    incident_id = open_incident(
        uow=uow_factory(),
        actor=actor,
        shield=shield,
        kinds=kinds,
        description=description,
        detected_at=detected_at or min(alert.end, uow_factory().clock.now()),
        controller_target=controller_target,
        source=Source("alert", alert.alert_id),
    )
    scoping = scope_incident(
        uow_factory=uow_factory,
        actor=actor,
        shield=shield,
        incident_id=incident_id,
        selector=alert.selector(),
    )
    return incident_id, scoping


def open_from_stored_alert(
    *,
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    shield: Shield,
    alert_id: uuid.UUID,
    controller_target: timedelta,
    lookback: timedelta = DEFAULT_LOOKBACK,
    description: str | None = None,
    kinds: Iterable[str] = (domain.Kind.CONFIDENTIALITY.value,),
) -> tuple[uuid.UUID, ScopingView]:
    """Open and scope an incident from the shield's alert store: detected when the
    alert was raised, scoped on the alert's subject from `lookback` before it."""
    stored = read_alert(uow=uow_factory(), actor=actor, alert_id=alert_id, lookback=lookback)
    return open_from_alert(
        uow_factory=uow_factory,
        actor=actor,
        shield=shield,
        alert=stored.subjects,
        description=description
        or f"Alerte du bouclier {stored.code} (sévérité {stored.severity}) : à qualifier.",
        controller_target=controller_target,
        kinds=kinds,
        detected_at=stored.created_at,
    )
