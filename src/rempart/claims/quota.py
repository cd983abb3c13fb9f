"""Every invoice route is counted by the shield, like a rights check."""

from __future__ import annotations

from rempart.audit.context import current_request
from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor
from rempart.shield.port import Shield


def admit(
    shield: Shield, uow: UnitOfWork, actor: Actor, action: str, structure: str | None
) -> None:
    shield.admit(
        actor=actor,
        action=action,
        structure=structure,
        address=current_request().address,
        now=uow.clock.now(),
    )
