"""Containment from an incident: each step is carried out by the service that owns it —
identity suspends accounts (their sessions and trusted devices go with them), ends
sessions and revokes software clients; the vault rotates keys; the shield's channel
brakes close one channel — and is then written in the incident's decision log. A step
already in effect (an account already suspended) is logged as such; a step refused
(not allowed, no such account) is not logged, and the error stands.

Security analysts only (`incidents:containment:execute`), who also hold each service's
own permission; the platform DPO assesses and re-identifies but does not contain."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from rempart.audit.trail import record_action
from rempart.db.uow import UnitOfWork
from rempart.identity import clients
from rempart.identity.models import AccountRow
from rempart.identity.permissions import Actor, Channel, Permission, Target, authorize
from rempart.identity.sessions import EndReason, end_all_sessions
from rempart.incidents import domain
from rempart.incidents.domain import Containment, ContainmentStep, Entry, IncidentTag, Status
from rempart.incidents.ports import ChannelBrakes, require_brakes
from rempart.incidents.repository import append, incident_row
from rempart.incidents.views import admitted
from rempart.kernel.errors import Conflict, NotFound
from rempart.shield.containment import suspend_by_hand
from rempart.shield.port import Shield

logger = logging.getLogger("rempart.incidents")


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """A rotation of the data keys as the vault reported it (`rotate_keys`)."""

    active_version: int
    new_version: int | None  # None: an unfinished rotation was resumed
    resealed: int


@dataclass(frozen=True, slots=True)
class ContainmentOutcome:
    seq: int  # the decision log entry
    kind: Containment
    target: str | None
    effect: str  # "done" | "already_in_effect" | "recorded"
    detail: dict[str, object]


def contain(
    *,
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    shield: Shield,
    incident_id: uuid.UUID,
    step: ContainmentStep,
    brakes: ChannelBrakes | None = None,
    rotation: KeyRotation | None = None,
) -> ContainmentOutcome:
    """Carry out the step, then log it. `rotation`: the rotation the caller has just run
    (the command line starts one the way `rempart keys rotate` does); without it, a
    rotate_keys step records the operator's rotation and the key version now active."""
    uow = uow_factory()
    admitted(uow, shield, actor, Permission.INCIDENT_CONTAIN, "incidents.contain")
    with uow:
        domain.require_active(Status(incident_row(uow, incident_id).status))
    effect, detail = _carry_out(uow_factory, actor, step, brakes, rotation)
    with uow:
        row = incident_row(uow, incident_id, lock=True)
        seq = append(
            uow,
            row,
            actor=actor,
            kind=Entry.CONTAINMENT,
            summary=" ".join(filter(None, (step.kind.value, step.target, f"({effect}):")))
            + f" {step.reason}",
            details={"kind": step.kind.value, "target": step.target, "effect": effect, **detail},
        )
        record_action(uow, tag=IncidentTag.CONTAINED, actor=actor)
        uow.commit()
    logger.warning("incident %s: containment %s %s", row.reference, step.kind.value, effect)
    return ContainmentOutcome(seq, step.kind, step.target, effect, detail)


def _carry_out(
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    step: ContainmentStep,
    brakes: ChannelBrakes | None,
    rotation: KeyRotation | None,
) -> tuple[str, dict[str, object]]:
    match step.kind:
        case Containment.SUSPEND_ACCOUNT:
            # Suspension ends every session and forgets trusted devices, in its transaction.
            try:
                suspend_by_hand(
                    uow_factory=uow_factory,
                    actor=actor,
                    account_id=step.target_id,
                    evidence="suspended by an analyst from an incident",
                )
            except Conflict:
                return "already_in_effect", {}
            return "done", {"sessions_ended": True}
        case Containment.REVOKE_SESSIONS:
            return "done", {"sessions_ended": _end_sessions(uow_factory, actor, step.target_id)}
        case Containment.REVOKE_CLIENT:
            try:
                clients.revoke_client(uow=uow_factory(), actor=actor, client_id=step.target_id)
            except Conflict:
                return "already_in_effect", {}
            return "done", {"tokens_revoked": True}
        case Containment.ROTATE_KEYS:
            if rotation is not None:
                return "done", {
                    "active_version": rotation.active_version,
                    "new_version": rotation.new_version,
                    "resealed": rotation.resealed,
                }
            with uow_factory() as uow:
                return "recorded", {"active_version": uow.vault.active_version}
        case Containment.CLOSE_CHANNEL:
            assert step.target is not None
            closed = require_brakes(brakes).close(Channel(step.target), step.reason, actor=actor)
            return ("done" if closed else "already_in_effect"), {}


def _end_sessions(
    uow_factory: Callable[[], UnitOfWork], actor: Actor, account_id: uuid.UUID
) -> int:
    """Every live session of the account ends; the account stays active (a stolen
    session, not a stolen factor). Ending someone's sessions is a suspender's duty."""
    authorize(actor, Permission.ACCOUNT_SUSPEND, Target.platform())
    with uow_factory() as uow:
        if uow.session.get(AccountRow, account_id) is None:
            raise NotFound("no such account")
    return end_all_sessions(uow=uow_factory(), account_id=account_id, reason=EndReason.REVOKED)
