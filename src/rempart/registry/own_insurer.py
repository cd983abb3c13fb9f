"""The first step of every insurer-portal use case: the actor's own insurer, once the
permission reaches it, and the shield's admission (every such call counts against the
same quotas as any other data-serving call)."""

from __future__ import annotations

from rempart.db.uow import UnitOfWork
from rempart.identity.permissions import Actor, ObjectKind, Permission, Target, authorize
from rempart.shield.port import Shield, admit


def admit_for_own_insurer(
    *, uow: UnitOfWork, actor: Actor, shield: Shield, permission: Permission, action: str
) -> str:
    """The AMC number the account is bound to; Forbidden without the permission or an
    insurer, a shield refusal past the quotas."""
    authorize(actor, permission, Target(ObjectKind.AMC, actor.amc_number or ""))
    assert actor.amc_number is not None  # authorize refuses an actor without one
    admit(shield, uow, actor, action)
    return actor.amc_number
