"""Undoing containment, and the channel brakes: only security analysts, and two of them.

One analyst asks for a lift (a containment, or a channel's brake); a second, different
analyst approves it, and only then does the subject go back to what it was: the account
active again (it signs in anew: its sessions and devices are gone), its structure's
software clients active again, the channel open. Every step is an audit record, and a
security event in the history of the account it concerns.

Putting a brake on is the safe direction: one analyst does it, with a fresh
phishing-resistant factor (the route asks for it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity.client_models import ClientRow
from rempart.identity.domain import AccountStatus, ClientStatus, SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Actor, Channel, Permission, Target, authorize
from rempart.kernel.errors import Conflict, InvalidInput, NotFound
from rempart.kernel.ids import new_id
from rempart.shield.containment import ACTIVE, LIFTED, escalate
from rempart.shield.domain import Rung, Subject, SubjectType, check_second_analyst
from rempart.shield.models import ContainmentRow, LiftRequestRow
from rempart.shield.port import Shield, admit
from rempart.shield.tags import ShieldTag

PENDING, APPROVED = "pending", "approved"
BRAKEABLE = frozenset({Channel.PORTAL.value, Channel.API.value, Channel.INSURER.value})
LIST_LIMIT = 500


@dataclass(frozen=True)
class ContainmentView:
    id: uuid.UUID
    subject_kind: str
    subject_ref: str
    rung: Rung
    status: str
    detector: str | None
    evidence: str
    cause_id: uuid.UUID | None
    created_at: datetime
    escalated_at: datetime
    lifted_at: datetime | None
    pending_lift: uuid.UUID | None


@dataclass(frozen=True)
class LiftRequestView:
    id: uuid.UUID
    containment_id: uuid.UUID
    status: str
    requested_at: datetime


def _view(row: ContainmentRow, pending: uuid.UUID | None = None) -> ContainmentView:
    return ContainmentView(
        row.id,
        row.subject_kind,
        row.subject_ref,
        Rung(row.rung),
        row.status,
        row.detector,
        row.evidence,
        row.cause_id,
        row.created_at,
        row.escalated_at,
        row.lifted_at,
        pending,
    )


def _admit(shield: Shield, uow: UnitOfWork, actor: Actor) -> None:
    admit(shield, uow, actor, "security.containment")


def list_containments(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, status: str | None = ACTIVE
) -> list[ContainmentView]:
    authorize(actor, Permission.ALERT_READ, Target.platform())
    _admit(shield, uow, actor)
    with uow:
        query = select(ContainmentRow).order_by(ContainmentRow.escalated_at.desc())
        if status is not None:
            query = query.where(ContainmentRow.status == status)
        rows = uow.session.scalars(query.limit(LIST_LIMIT)).all()
        pending = dict(
            uow.session.execute(
                select(LiftRequestRow.containment_id, LiftRequestRow.id).where(
                    LiftRequestRow.status == PENDING,
                    LiftRequestRow.containment_id.in_([r.id for r in rows]),
                )
            ).all()
        )
        record_action(uow, tag=ShieldTag.CONTAINMENTS_READ, actor=actor)
        uow.commit()
        return [_view(row, pending.get(row.id)) for row in rows]


def request_lift(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, containment_id: uuid.UUID
) -> LiftRequestView:
    """The first analyst's half of a lift."""
    authorize(actor, Permission.CONTAINMENT_LIFT, Target.platform())
    _admit(shield, uow, actor)
    with uow:
        row = uow.session.get(ContainmentRow, containment_id, with_for_update=True)
        if row is None:
            raise NotFound("no such containment")
        view = _ask(uow, actor, row)
        uow.commit()
        return view


def _ask(uow: UnitOfWork, actor: Actor, row: ContainmentRow) -> LiftRequestView:
    if row.status != ACTIVE:
        raise Conflict("this containment is not active")
    if row.cause_id is not None:
        raise Conflict("this containment came with another one: lift that one")
    now = uow.clock.now()
    request = LiftRequestRow(
        id=new_id(),
        containment_id=row.id,
        status=PENDING,
        pending_key=row.id,
        requested_by=actor.account_id,
        requested_at=now,
        approved_by=None,
        approved_at=None,
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(request)
    except IntegrityError:
        raise Conflict("a lift of this containment is already waiting for approval") from None
    _record(uow, row, actor, lifted=False)
    return LiftRequestView(request.id, row.id, PENDING, now)


def approve_lift(
    *,
    uow: UnitOfWork,
    actor: Actor,
    shield: Shield,
    lift_request_id: uuid.UUID,
) -> ContainmentView:
    """The second analyst's half: the containment (and those it brought) is lifted,
    and once committed the shield forgets the subjects' signals (a grace period)."""
    authorize(actor, Permission.CONTAINMENT_LIFT, Target.platform())
    _admit(shield, uow, actor)
    with uow:
        request = uow.session.get(LiftRequestRow, lift_request_id, with_for_update=True)
        if request is None:
            raise NotFound("no such lift request")
        if request.status != PENDING:
            raise Conflict("this lift request is not pending")
        check_second_analyst(requested_by=request.requested_by, approver=actor.account_id)
        row = uow.session.get(ContainmentRow, request.containment_id, with_for_update=True)
        assert row is not None  # a foreign key
        now = uow.clock.now()
        request.status, request.pending_key = APPROVED, None
        request.approved_by, request.approved_at = actor.account_id, now
        linked = uow.session.scalars(
            select(ContainmentRow).where(
                ContainmentRow.cause_id == row.id, ContainmentRow.status == ACTIVE
            )
        ).all()
        lifted = [row, *linked]
        for each in lifted:
            each.status, each.active_key = LIFTED, None
            each.lifted_at, each.lifted_by = now, actor.account_id
            _reinstate(uow, each)
            _record(uow, each, actor, lifted=True)
        uow.commit()
        view = _view(row)
    for each in lifted:
        shield.forget(Subject(SubjectType(each.subject_kind), each.subject_ref), now)
    return view


def _reinstate(uow: UnitOfWork, row: ContainmentRow) -> None:
    if row.rung != Rung.SUSPEND.value:
        return
    if row.subject_kind == SubjectType.ACCOUNT.value:
        account = uow.session.get(AccountRow, uuid.UUID(row.subject_ref))
        if account is not None and account.status == AccountStatus.SUSPENDED:
            account.status = AccountStatus.ACTIVE
    elif row.subject_kind == SubjectType.CLIENT.value:
        client = uow.session.get(ClientRow, uuid.UUID(row.subject_ref))
        if client is not None and client.status == ClientStatus.SUSPENDED:
            client.status = ClientStatus.ACTIVE
    elif row.subject_kind == SubjectType.STRUCTURE.value:
        clients = uow.session.scalars(
            select(ClientRow).where(
                ClientRow.finess == row.subject_ref, ClientRow.status == ClientStatus.SUSPENDED
            )
        )
        for client in clients:
            still = uow.session.scalar(
                select(ContainmentRow.id).where(
                    ContainmentRow.active_key == Subject.client(client.id).key
                )
            )
            if still is None:
                client.status = ClientStatus.ACTIVE


def _record(uow: UnitOfWork, row: ContainmentRow, actor: Actor, *, lifted: bool) -> None:
    kind = SubjectType(row.subject_kind)
    if kind is SubjectType.ACCOUNT:
        account_id = uuid.UUID(row.subject_ref)
        tag = SecurityTag.SHIELD_REINSTATED if lifted else SecurityTag.SHIELD_LIFT_REQUESTED
        if uow.session.get(AccountRow, account_id) is not None:
            record_event(uow, account_id, actor.account_id, tag)
        return
    if lifted:
        tag_ = {
            SubjectType.CLIENT: ShieldTag.CLIENT_REINSTATED,
            SubjectType.STRUCTURE: ShieldTag.STRUCTURE_REINSTATED,
            SubjectType.CHANNEL: ShieldTag.CHANNEL_RELEASED,
        }.get(kind, ShieldTag.LIFT_APPROVED)
    else:
        tag_ = ShieldTag.LIFT_REQUESTED
    structure = row.subject_ref if kind is SubjectType.STRUCTURE else None
    record_action(uow, tag=tag_, actor=actor, structure=structure)


def _channel(name: str) -> str:
    if name not in BRAKEABLE:
        raise InvalidInput("the channel is one of portal, api, insurer", field="channel")
    return name


def apply_brake(*, uow: UnitOfWork, actor: Actor, shield: Shield, channel: str) -> ContainmentView:
    """One analyst closes a whole channel: it reads nothing until two lift the brake."""
    authorize(actor, Permission.BRAKE_APPLY, Target.platform())
    name = _channel(channel)
    _admit(shield, uow, actor)
    with uow:
        row = escalate(
            uow,
            subject=Subject.channel(name),
            rung=Rung.BRAKE,
            evidence=f"brake put on the {name} channel by a security analyst",
            by=actor.account_id,
        )
        if row is None:
            raise Conflict("this channel is already braked")
        uow.commit()
        return _view(row)


def release_brake(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, channel: str
) -> LiftRequestView:
    """The first analyst's half of releasing a brake; a second approves the request."""
    authorize(actor, Permission.CONTAINMENT_LIFT, Target.platform())
    name = _channel(channel)
    _admit(shield, uow, actor)
    with uow:
        row = uow.session.scalar(
            select(ContainmentRow)
            .where(ContainmentRow.active_key == Subject.channel(name).key)
            .with_for_update()
        )
        if row is None:
            raise NotFound("this channel is not braked")
        view = _ask(uow, actor, row)
        uow.commit()
        return view
