"""The containment ladder's steps, in the caller's unit of work: each rung is recorded
(a containment row, an audit record, a security event in the account's history when the
subject is an account), announced (an alert to the security analysts; at suspension the
structure and the insurers whose members were read are told through the outbox) and
enforced (the admission reads the rungs; suspension also closes the doors identity
checks: the account's status and sessions, the software clients' status and tokens)."""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from rempart.audit.models import AuditRecordRow
from rempart.audit.trail import ACCOUNT, record_action
from rempart.db.bulk import read_alone
from rempart.db.uow import UnitOfWork
from rempart.identity import service as accounts
from rempart.identity.client_models import ClientRow, ClientTokenRow
from rempart.identity.domain import AccountStatus, ClientStatus, SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import AccountRow, AccountStructureRow
from rempart.identity.permissions import Actor
from rempart.identity.sessions import EndReason, withdraw_trust
from rempart.kernel.ids import new_id
from rempart.outbox.service import enqueue
from rempart.shield.alerting import store_alert
from rempart.shield.alerts import Alert, Severity
from rempart.shield.domain import Risk, Rung, Subject, SubjectType
from rempart.shield.models import ContainmentRow
from rempart.shield.tags import ShieldTag

ACTIVE, LIFTED = "active", "lifted"
EXPOSURE_LOOKBACK = timedelta(hours=24)  # reads counted for the insurers at suspension
SEVERITY = {
    Rung.THROTTLE: Severity.WARNING,
    Rung.STEP_UP: Severity.HIGH,
    Rung.SUSPEND: Severity.CRITICAL,
    Rung.BRAKE: Severity.CRITICAL,
}
ACCOUNT_EVENTS = {
    Rung.THROTTLE: SecurityTag.SHIELD_THROTTLED,
    Rung.STEP_UP: SecurityTag.SHIELD_STEP_UP_REQUIRED,
    Rung.SUSPEND: SecurityTag.SHIELD_SUSPENDED,
}
OTHER_TAGS = {
    (SubjectType.CLIENT, Rung.THROTTLE): ShieldTag.CLIENT_THROTTLED,
    (SubjectType.CLIENT, Rung.STEP_UP): ShieldTag.CLIENT_STEP_UP,
    (SubjectType.CLIENT, Rung.SUSPEND): ShieldTag.CLIENT_SUSPENDED,
    (SubjectType.STRUCTURE, Rung.THROTTLE): ShieldTag.STRUCTURE_THROTTLED,
    (SubjectType.STRUCTURE, Rung.STEP_UP): ShieldTag.STRUCTURE_STEP_UP,
    (SubjectType.STRUCTURE, Rung.SUSPEND): ShieldTag.STRUCTURE_SUSPENDED,
    (SubjectType.CHANNEL, Rung.BRAKE): ShieldTag.CHANNEL_BRAKED,
}


# Built once, keys as an expanding parameter: every data-serving request runs it.
_ACTIVE = select(ContainmentRow.active_key, ContainmentRow.rung).where(
    ContainmentRow.active_key.in_(bindparam("keys", expanding=True))
)


def active_rungs(uow: UnitOfWork, subjects: Sequence[Subject]) -> dict[Subject, Rung]:
    """The rung each subject is contained at (absent: not contained). One indexed read,
    in the caller's unit of work."""
    by_key = {s.key: s for s in subjects}
    rows = uow.session.execute(_ACTIVE, {"keys": list(by_key)})
    return {by_key[key]: Rung(rung) for key, rung in rows if key is not None}


def standing(engine: Engine, subjects: Sequence[Subject]) -> dict[Subject, Rung]:
    """`active_rungs` on a connection of its own, outside any unit of work: what every
    data-serving request asks before anything else (no session, no keys needed). One
    parameter per subject, compiled once per count and run on the driver
    (`db.bulk.read_alone`): an expanding parameter is rendered again on every request."""
    by_key = {s.key: s for s in subjects}
    if not by_key:
        return {}
    rows = read_alone(
        engine, _active_of(len(by_key)), {f"k{n}": key for n, key in enumerate(by_key)}
    )
    return {by_key[key]: Rung(rung) for key, rung in rows if key is not None}


@functools.lru_cache(maxsize=16)
def _active_of(count: int) -> Select[str | None, str]:
    key_type = ContainmentRow.active_key.type
    return select(ContainmentRow.active_key, ContainmentRow.rung).where(
        ContainmentRow.active_key.in_([bindparam(f"k{n}", type_=key_type) for n in range(count)])
    )


def escalate(
    uow: UnitOfWork,
    *,
    subject: Subject,
    rung: Rung,
    evidence: str,
    detector: str | None = None,
    by: uuid.UUID | None = None,
    cause: uuid.UUID | None = None,
) -> ContainmentRow | None:
    """Raise `subject` to `rung` (never lower it). Returns the containment when it rose,
    None when the subject already stood there or higher."""
    now = uow.clock.now()
    row = _active(uow, subject)
    if row is not None and Rung(row.rung).at_least(rung):
        return None
    if row is None:
        row = _open(uow, subject, rung, evidence, detector=detector, by=by, cause=cause)
        if row is None:  # another worker opened the episode first: climb it
            return escalate(
                uow, subject=subject, rung=rung, evidence=evidence, detector=detector, by=by
            )
    else:
        row.rung, row.escalated_at = rung.value, now
        row.detector, row.evidence = detector, evidence[:1000]
    _record(uow, subject, rung, by)
    if rung is Rung.SUSPEND:
        _suspend(uow, subject, row.id, by)
    alert_id = store_alert(
        uow,
        Alert(
            code=f"shield.{subject.type.value}.{rung.value}",
            severity=SEVERITY[rung],
            detail=evidence,
            subject_kind=subject.type.value,
            subject_ref=subject.ref,
            detector=detector,
            rung=rung.value,
        ),
        containment_id=row.id,
    )
    if rung is Rung.SUSPEND:
        _tell_structures_and_insurers(uow, subject, alert_id, now)
    return row


def record_containment(
    uow: UnitOfWork, *, subject: Subject, rung: Rung, evidence: str, by: uuid.UUID
) -> ContainmentRow | None:
    """A containment an analyst put in place by other means (an incident's suspension
    of an account, through identity): on record here, so that the two-analyst lift can
    undo it like the shield's own. None when the subject already stands on one."""
    if _active(uow, subject) is not None:
        return None
    # None: one was opened meanwhile, and that one stands.
    return _open(uow, subject, rung, evidence, detector=None, by=by, cause=None)


def _open(
    uow: UnitOfWork,
    subject: Subject,
    rung: Rung,
    evidence: str,
    *,
    detector: str | None,
    by: uuid.UUID | None,
    cause: uuid.UUID | None,
) -> ContainmentRow | None:
    """A new episode for `subject`; None when another transaction opened one first (the
    active key is unique)."""
    now = uow.clock.now()
    row = ContainmentRow(
        id=new_id(),
        subject_kind=subject.type.value,
        subject_ref=subject.ref,
        rung=rung.value,
        status=ACTIVE,
        active_key=subject.key,
        detector=detector,
        evidence=evidence[:1000],
        cause_id=cause,
        created_at=now,
        created_by=by,
        escalated_at=now,
        lifted_at=None,
        lifted_by=None,
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError:
        return None
    return row


def suspend_by_hand(
    *, uow_factory: Callable[[], UnitOfWork], actor: Actor, account_id: uuid.UUID, evidence: str
) -> None:
    """An account suspended by a person (an administrator through the accounts API, an
    analyst from an incident), through identity (Conflict if it already is), then kept
    among the containments so that two analysts reinstate it as they lift the shield's
    own suspensions. `evidence` is a fixed text, never the person's words (the security
    events or the incident's log hold who and why). Two transactions: a crash between
    them leaves a suspension that only a database change lifts."""
    accounts.suspend_account(uow=uow_factory(), actor=actor, account_id=account_id)
    with uow_factory() as uow:
        record_containment(
            uow,
            subject=Subject.account(account_id),
            rung=Rung.SUSPEND,
            evidence=evidence,
            by=actor.account_id,
        )
        uow.commit()


def escalate_for(uow: UnitOfWork, risk: Risk, rung: Rung) -> ContainmentRow | None:
    strongest = risk.fired[0].detector.value if risk.fired else None
    return escalate(
        uow, subject=risk.subject, rung=rung, evidence=risk.summary(), detector=strongest
    )


def _active(uow: UnitOfWork, subject: Subject) -> ContainmentRow | None:
    return uow.session.scalar(
        select(ContainmentRow).where(ContainmentRow.active_key == subject.key).with_for_update()
    )


def _record(uow: UnitOfWork, subject: Subject, rung: Rung, by: uuid.UUID | None) -> None:
    if subject.type is SubjectType.ACCOUNT:
        account_id = uuid.UUID(subject.ref)
        if uow.session.get(AccountRow, account_id) is not None:
            record_event(uow, account_id, by, ACCOUNT_EVENTS[rung])
            return
        record_action(
            uow,
            tag=ACCOUNT_EVENTS[rung],
            actor_account_id=by,
            target_pseudonym=uow.vault.pseudonym(ACCOUNT, subject.ref),
        )
        return
    structure = subject.ref if subject.type is SubjectType.STRUCTURE else None
    record_action(
        uow, tag=OTHER_TAGS[(subject.type, rung)], actor_account_id=by, structure=structure
    )


def _suspend(uow: UnitOfWork, subject: Subject, cause: uuid.UUID, by: uuid.UUID | None) -> None:
    """The account opens nothing and its sessions end; the software clients of its
    structures (or of the client's or structure's) stop with it."""
    structures = _structures_of(uow, subject)
    if subject.type is SubjectType.ACCOUNT:
        account = uow.session.get(AccountRow, uuid.UUID(subject.ref))
        if account is not None and account.status == AccountStatus.ACTIVE:
            account.status = AccountStatus.SUSPENDED
            withdraw_trust(uow, account.id, reason=EndReason.SUSPENDED, forget_devices=True)
            record_event(uow, account.id, by, SecurityTag.SESSIONS_ENDED)
    clients = uow.session.scalars(
        select(ClientRow)
        .where(ClientRow.finess.in_(structures), ClientRow.status == ClientStatus.ACTIVE)
        .with_for_update()
    ).all()
    now = uow.clock.now()
    for client in clients:
        client.status = ClientStatus.SUSPENDED
        uow.session.execute(
            update(ClientTokenRow)
            .where(ClientTokenRow.client_id == client.id, ClientTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        linked = Subject.client(client.id)
        if linked != subject and _active(uow, linked) is None:
            uow.session.add(
                ContainmentRow(
                    id=new_id(),
                    subject_kind=linked.type.value,
                    subject_ref=linked.ref,
                    rung=Rung.SUSPEND.value,
                    status=ACTIVE,
                    active_key=linked.key,
                    detector=None,
                    evidence=f"suspended with {subject.type.value} containment {cause}",
                    cause_id=cause,
                    created_at=now,
                    created_by=by,
                    escalated_at=now,
                    lifted_at=None,
                    lifted_by=None,
                )
            )
            record_action(uow, tag=ShieldTag.CLIENT_SUSPENDED, structure=client.finess)


def _structures_of(uow: UnitOfWork, subject: Subject) -> list[str]:
    match subject.type:
        case SubjectType.ACCOUNT:
            return list(
                uow.session.scalars(
                    select(AccountStructureRow.finess).where(
                        AccountStructureRow.account_id == uuid.UUID(subject.ref)
                    )
                )
            )
        case SubjectType.CLIENT:
            finess = uow.session.scalar(
                select(ClientRow.finess).where(ClientRow.id == uuid.UUID(subject.ref))
            )
            return [finess] if finess else []
        case SubjectType.STRUCTURE:
            return [subject.ref]
    return []


def exposed_insurers(uow: UnitOfWork, subject: Subject, since: datetime) -> Counter[str]:
    """Records that disclosed something to the subject since `since`, by insurer."""
    who = {
        SubjectType.ACCOUNT: lambda: AuditRecordRow.actor_account_id == uuid.UUID(subject.ref),
        SubjectType.CLIENT: lambda: AuditRecordRow.client_id == uuid.UUID(subject.ref),
        SubjectType.STRUCTURE: lambda: AuditRecordRow.structure_finess == subject.ref,
    }.get(subject.type)
    if who is None:
        return Counter()
    rows = uow.session.execute(
        select(AuditRecordRow.target_amc, func.count())
        .where(
            who(),
            AuditRecordRow.at >= since,
            AuditRecordRow.categories != 0,
            AuditRecordRow.target_amc.is_not(None),
        )
        .group_by(AuditRecordRow.target_amc)
    )
    return Counter({amc: int(n) for amc, n in rows if amc})


def _tell_structures_and_insurers(
    uow: UnitOfWork, subject: Subject, alert_id: uuid.UUID, now: datetime
) -> None:
    """Structure administrators learn that an access path of theirs was suspended; each
    insurer learns how many records of its members it read in the last day, to scope
    the exposure (POST /api/v1/audit/exposure). Counts and references only."""
    for finess in _structures_of(uow, subject):
        enqueue(
            uow,
            topic="shield.suspension",
            recipient_kind="structure",
            recipient_ref=finess,
            subject="Accès suspendu par Rempart / Access suspended by Rempart",
            body=(
                f"Rempart suspended an access path of your structure ({subject.type.value}) "
                f"at {now.isoformat()} after abnormal reading (alert {alert_id}). Its "
                "sessions and software tokens ended. A security analyst will contact you; "
                "reinstatement needs two analysts."
            ),
        )
    since = now - EXPOSURE_LOOKBACK
    for amc, count in sorted(exposed_insurers(uow, subject, since).items()):
        enqueue(
            uow,
            topic="shield.exposure",
            recipient_kind="insurer",
            recipient_ref=amc,
            subject="Accès anormal suspendu / Abnormal access suspended",
            body=(
                f"Rempart suspended an access path (alert {alert_id}) that read {count} "
                f"records of your members between {since.isoformat()} and {now.isoformat()}. "
                "Scope the exposure with POST /api/v1/audit/exposure."
            ),
        )
