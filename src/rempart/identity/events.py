"""Security events: every change to an account, shown to its owner in their history.
(The audit issue also folds them into the tamper-evident log.)"""

from __future__ import annotations

import uuid

from rempart.db.uow import UnitOfWork
from rempart.identity.domain import SecurityTag
from rempart.identity.models import SecurityEventRow
from rempart.kernel.ids import new_id


def record_event(
    uow: UnitOfWork, account_id: uuid.UUID, actor_id: uuid.UUID | None, tag: SecurityTag
) -> None:
    """Added to the caller's unit of work: the event commits with the change or not at all."""
    uow.session.add(
        SecurityEventRow(
            id=new_id(), account_id=account_id, actor_id=actor_id, tag=tag, at=uow.clock.now()
        )
    )
